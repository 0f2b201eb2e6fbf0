"""README.md's blocks for a host site, taken by their first-line comments.

The deployment test builds its site from these texts alone, so the README and the test cannot
drift apart. The only changes made to them are the placeholders a user replaces too
(``replace_placeholder``); anything else missing or changed fails with the block's name.
"""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"

#: The blocks of "Mounting in an existing Django site" and "Live updates", by first line.
SETTINGS = "# settings.py: add at the end"
URLS = "# urls.py: add at the end"
TASKS_SETTINGS = "# settings.py: Django Tasks queues too, add at the end"
ASGI = "# asgi.py: the whole file"
INSTALL = "# in your site's environment"
#: The ``sh`` block that follows "Then, with `asgi.py` as in [Live updates]".
RUN_FIRST_LINE = "python manage.py migrate"

FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)


class ReadmeBlockError(AssertionError):
    """A README block the deployment test needs is missing or not as a user would use it."""


def readme_text() -> str:
    return README.read_text(encoding="utf-8")


def block(first_line: str, text: str | None = None) -> str:
    """The fenced block of README.md whose first line starts with ``first_line`` (only one)."""
    found = [
        body for _lang, body in FENCE.findall(text or readme_text())
        if body.startswith(first_line)
    ]  # fmt: skip
    if len(found) != 1:
        raise ReadmeBlockError(
            f"README.md has {len(found)} blocks starting with {first_line!r}; the deployment "
            "test needs exactly one (it builds the host site from it)."
        )
    return found[0]


def commands(first_line: str, text: str | None = None) -> list[str]:
    """The command lines of a shell block, comments and blank lines left out."""
    lines = [line.split("  #", 1)[0].strip() for line in block(first_line, text).splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def inline_command(pattern: str, text: str | None = None) -> str:
    """An inline ``code`` command of the README matching ``pattern`` (spaces: any whitespace)."""
    spaced = r"\s+".join(re.escape(word) for word in pattern.split())
    match = re.search(rf"`({spaced})`", text or readme_text())
    if match is None:
        raise ReadmeBlockError(f"README.md no longer names the command `{pattern}`.")
    return " ".join(match.group(1).split())


def replace_placeholder(text: str, placeholder: str, value: str, name: str) -> str:
    """``text`` with a placeholder a user replaces too; the placeholder must be there."""
    if placeholder not in text:
        raise ReadmeBlockError(
            f"README block {name!r} no longer holds the placeholder {placeholder!r}."
        )
    return text.replace(placeholder, value)
