"""Invisible characters made visible: ids and names shown as they really are.

A job id ``bidi\\u202egnp.exe`` displays as ``bidiexe.png``: the right-to-left override turns
the rest around. Zero-width spaces, joiners and fillers make two different ids look the same.
Wherever an id, a job's name or a queue's name is displayed, such characters are shown as an
escape (``\\u202e``) in a style of their own; links and form values keep the real text.

Made visible: Unicode's format (Cf: bidi controls, zero-width and invisible operators, tags),
control (Cc), line and paragraph separator (Zl, Zp), surrogate (Cs) and unassigned (Cn)
characters, and the invisible ones of other categories (Hangul fillers, variation selectors,
the combining grapheme joiner, the blank braille pattern, ...). Spaces (Zs) stay as they are.
"""

from __future__ import annotations

import html
import re
import unicodedata

_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"})
#: Printable by ``str.isprintable`` yet drawn as nothing.
_OTHER_INVISIBLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u2800\u3164\ufe00-\ufe0f\uffa0"
    "\U000e0100-\U000e01ef]"
)


def is_invisible(char: str) -> bool:
    """Whether ``char`` (one character) is shown as an escape."""
    return unicodedata.category(char) in _CATEGORIES or bool(_OTHER_INVISIBLE.match(char))


def has_invisible(text: str) -> bool:
    # isprintable() is False for every category above (and for spaces other than " ").
    return not text.isprintable() or _OTHER_INVISIBLE.search(text) is not None


def escape_of(char: str) -> str:
    """``\\u202e``; ``\\U000e0041`` beyond the BMP."""
    point = ord(char)
    return f"\\u{point:04x}" if point <= 0xFFFF else f"\\U{point:08x}"


def describe(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE`` (the code point alone when it has no name)."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}".rstrip()


def visible_text(value: object) -> str:
    """``value`` as text with every invisible character written as its escape (for titles,
    attributes and file names, where no markup can go)."""
    text = str(value)
    if not has_invisible(text):
        return text
    return "".join(escape_of(c) if is_invisible(c) else c for c in text)


def visible_html(value: object) -> str:
    """``value`` escaped for HTML, each invisible character as a marked, titled escape."""
    text = str(value)
    if not has_invisible(text):
        return html.escape(text)
    parts = []
    for char in text:
        if is_invisible(char):
            parts.append(
                f'<span class="qb-invisible" title="{html.escape(describe(char))}">'
                f"{escape_of(char)}</span>"
            )
        else:
            parts.append(html.escape(char))
    return "".join(parts)
