"""Redis URLs read once, when a backend is created: as written, or refused without a word of them.

A password holding an unencoded ``#``, ``/``, ``?`` or ``@`` cuts the URL in the wrong place:
the start of the password becomes the port (or the host), the rest a path, query or fragment.
redis-py's error then quotes the piece it could not read (``Port could not be cast to integer
value as 'pa'``), which is the password; and a password that starts with digits even parses, as
a port, with the rest of it as the path of the "address". So neither a parse error's text nor
any part of a URL that is not read as written is ever shown: the backend refuses to be created.

Shared by the backends that talk to Redis; a backend that reads more schemes (BullMQ's
``redis+sentinel://``) checks those itself and leaves the rest to ``check_url``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from redis.connection import parse_url

#: How to write a password the URL can carry. Never any part of the URL itself.
PERCENT_ENCODING = (
    "Special characters in the user name or password must be percent-encoded: "
    "# as %23, / as %2F, ? as %3F, @ as %40, % as %25."
)

#: What the refusal says after the setting's name.
REFUSAL = (
    "the 'url' option could not be parsed as a Redis URL (redis://, rediss:// or unix://). "
    + PERCENT_ENCODING
)


class UnreadableURL(ValueError):
    """The URL cannot be read as written; deliberately carries no text from it."""


def check_url(url: str) -> None:
    """Raise ``UnreadableURL`` unless redis-py reads ``url`` the way it was written.

    Besides what redis-py refuses, a ``#`` anywhere, or an ``@`` after the authority (in the
    path or the query), means a password cut short by an unencoded character.
    """
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number raises here
        parse_url(url)
    except ValueError:
        raise UnreadableURL() from None
    if "#" in url or "@" in parts.path or "@" in parts.query:
        raise UnreadableURL()


def describe_url(url: str) -> str:
    """The server's address without credentials, for messages (nothing of an unreadable URL)."""
    try:
        check_url(url)
    except UnreadableURL:
        return "(an unreadable URL)"
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}{parts.path or ''}"
