"""``Content-Disposition: attachment`` for any file name, as RFC 6266 writes it.

Job ids are untrusted and any text: a non-ASCII one put raw bytes (or, past Latin-1, a
MIME-encoded word) into the header, which browsers ignored, showing the file inline. So the
name goes twice: ``filename="..."`` in plain ASCII for old clients, and
``filename*=UTF-8''...`` (RFC 5987, percent-encoded) with the real name, which browsers prefer.
Django's ``content_disposition_header`` sends only the second for non-ASCII names.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from ..visible import is_invisible

#: Kept as they are in the ASCII name; anything else becomes "_".
_ASCII_KEPT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def attachment(filename: str) -> str:
    """The header's value for downloading ``filename``; pure ASCII, one line."""
    name = real_name(filename)
    return f"attachment; filename=\"{ascii_name(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def real_name(filename: str) -> str:
    """``filename`` without what no file name should hold: path separators, line breaks,
    bidi controls and other invisible characters (each becomes "_")."""
    return "".join("_" if c in "/\\" or is_invisible(c) else c for c in filename)


def ascii_name(filename: str) -> str:
    """Letters folded to ASCII (``é`` → ``e``), anything else outside ``[A-Za-z0-9._-]`` "_"."""
    out = []
    for char in filename:
        if unicodedata.combining(char):
            continue
        folded = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        out.append(folded if folded and all(c in _ASCII_KEPT for c in folded) else "_")
    return "".join(out)
