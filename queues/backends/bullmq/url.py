"""BullMQ's URLs: the Redis URLs every Redis backend reads (``..redis_url``), and
``redis+sentinel://``, which only BullMQ's connection follows. Refused the same way: without a
word of the URL."""

from __future__ import annotations

from .. import redis_url
from ..redis_url import UnreadableURL
from .sentinel import UnreadableSentinelURL, is_sentinel_url, parse_sentinel_url

__all__ = ["REFUSAL", "UnreadableURL", "check_url", "describe_url"]

#: What the refusal says after the setting's name. Never any part of the URL itself.
REFUSAL = (
    "the 'url' option could not be parsed as a Redis URL (redis://, rediss://, unix:// or "
    "redis+sentinel://host1:26379,host2:26379/<service_name>/<db>). " + redis_url.PERCENT_ENCODING
)


def check_url(url: str) -> None:
    """Raise ``UnreadableURL`` unless ``url`` is read the way it was written (a Sentinel URL
    by its own form, any other as redis-py reads it)."""
    if not is_sentinel_url(url):
        redis_url.check_url(url)
        return
    try:
        parse_sentinel_url(url)
    except UnreadableSentinelURL:
        raise UnreadableURL() from None


def describe_url(url: str) -> str:
    """The server's address without credentials, for messages (nothing of an unreadable URL)."""
    if not is_sentinel_url(url):
        return redis_url.describe_url(url)
    try:
        return parse_sentinel_url(url).where
    except UnreadableSentinelURL:
        return "(an unreadable URL)"
