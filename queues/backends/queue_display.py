"""How each queue is presented: a display name and a description per queue, from the backend's
``OPTIONS["queue_display"]`` (the same option for every backend)::

    "OPTIONS": {"queue_display": {"emails": {"display_name": "E-mails",
                                             "description": "Receipts and password resets"}}}

The real name stays the queue's identity (URLs, the API, the audit log) and is shown beside
the display name. Bad values are errors of ``manage.py check`` (``check_queue_display``); at run
time an entry that is not valid is ignored, so the board shows the plain name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

#: The option's name in ``OPTIONS``.
DISPLAY_OPTION = "queue_display"
#: The keys one queue's entry may carry.
ENTRY_KEYS = frozenset({"display_name", "description"})
NAME_MAX = 80
DESCRIPTION_MAX = 500


class _HasOptions(Protocol):
    options: dict[str, Any]


@dataclass(frozen=True)
class QueueDisplay:
    name: str
    display_name: str | None = None
    description: str | None = None

    @property
    def title(self) -> str:
        """What the queue is called on the pages: its display name, else its name."""
        return self.display_name or self.name

    @property
    def renamed(self) -> bool:
        return bool(self.display_name) and self.display_name != self.name


def _problems_of(queue: str, entry: Any) -> list[str]:
    where = f"OPTIONS[{DISPLAY_OPTION!r}][{queue!r}]"
    if not isinstance(entry, Mapping):
        return [f"{where} must be a dict with 'display_name' and/or 'description', not {entry!r}."]
    problems = [
        f"{where}: unknown key {key!r} (known: description, display_name)."
        for key in sorted(set(entry) - ENTRY_KEYS, key=str)
    ]
    for key, limit in (("display_name", NAME_MAX), ("description", DESCRIPTION_MAX)):
        if key not in entry:
            continue
        value = entry[key]
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}[{key!r}] must be a non-empty text, not {value!r}.")
        elif len(value) > limit:
            problems.append(f"{where}[{key!r}] is {len(value)} characters long; at most {limit}.")
        elif key == "display_name" and not value.isprintable():
            problems.append(f"{where}[{key!r}] must be one line of printable characters.")
    return problems


def check_queue_display(backend: _HasOptions) -> list[str]:
    """What is wrong with the backend's ``queue_display`` option (empty: nothing)."""
    value = backend.options.get(DISPLAY_OPTION)
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [
            f"OPTIONS[{DISPLAY_OPTION!r}] must be a dict of queue names to "
            f"{{'display_name': ..., 'description': ...}}, not {value!r}."
        ]
    problems: list[str] = []
    for queue, entry in value.items():
        if not isinstance(queue, str) or not queue:
            problems.append(f"OPTIONS[{DISPLAY_OPTION!r}]: queue names are texts, not {queue!r}.")
            continue
        problems += _problems_of(queue, entry)
    return problems


def queue_display(backend: _HasOptions, queue: str) -> QueueDisplay:
    """``queue``'s display name and description (both None where none is set or valid)."""
    value = backend.options.get(DISPLAY_OPTION)
    entry = value.get(queue) if isinstance(value, Mapping) else None
    if entry is None or _problems_of(queue, entry):
        return QueueDisplay(name=queue)
    name = entry.get("display_name")
    description = entry.get("description")
    return QueueDisplay(
        name=queue,
        display_name=name.strip() if isinstance(name, str) else None,
        description=description.strip() if isinstance(description, str) else None,
    )
