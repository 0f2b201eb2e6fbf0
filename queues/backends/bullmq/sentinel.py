"""``redis+sentinel://`` URLs: the master of a Sentinel-watched service, found after a failover.

The form is ``redis+sentinel://[user:pass@]host1:26379,host2:26379/<service_name>/<db>``: one
or more Sentinels (port 26379 when left out), the service (master) name Sentinel knows, and a
database number (0 when left out). The user and password are the master's (Redis' ``AUTH``);
the Sentinels' own, if they ask for one, are the ``sentinel_username`` and
``sentinel_password`` OPTIONS. Like the other URLs, a special character in the user or password
must be percent-encoded, and nothing of a URL that cannot be read is ever shown.

redis-py's ``Sentinel.master_for`` asks the Sentinels for the master's address on each new
connection, and a connection that finds its server demoted (``READONLY``) or gone is dropped,
so the next try (the client's one retry) lands on the new master.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

SCHEME = "redis+sentinel"
DEFAULT_PORT = 26379
#: OPTIONS only a Sentinel URL reads.
SENTINEL_OPTIONS = frozenset({"sentinel_username", "sentinel_password"})


class UnreadableSentinelURL(ValueError):
    """Deliberately without text: the URL may hold a password."""


@dataclass(frozen=True)
class SentinelURL:
    sentinels: tuple[tuple[str, int], ...]
    service_name: str
    db: int
    username: str | None
    password: str | None

    @property
    def where(self) -> str:
        """The address for messages (never the credentials)."""
        hosts = ",".join(f"{host}:{port}" for host, port in self.sentinels)
        return f"{self.service_name} via Sentinel {hosts} (db {self.db})"

    def master(
        self, sentinel_class: Any, redis_class: Any, options: dict[str, Any], **kw: Any
    ) -> Any:
        """A client of ``redis_class`` on the current master (``kw``: the client's settings)."""
        sentinel_kwargs: dict[str, Any] = {
            "socket_timeout": kw.get("socket_timeout"),
            "socket_connect_timeout": kw.get("socket_connect_timeout"),
        }
        if options.get("sentinel_password"):
            sentinel_kwargs["password"] = str(options["sentinel_password"])
        if options.get("sentinel_username"):
            sentinel_kwargs["username"] = str(options["sentinel_username"])
        sentinel = sentinel_class(list(self.sentinels), sentinel_kwargs=sentinel_kwargs)
        return sentinel.master_for(
            self.service_name,
            redis_class=redis_class,
            db=self.db,
            username=self.username,
            password=self.password,
            **kw,
        )


def is_sentinel_url(url: str) -> bool:
    return url.lower().startswith(SCHEME + "://")


def parse_sentinel_url(url: str) -> SentinelURL:
    """The parts of a ``redis+sentinel://`` URL; ``UnreadableSentinelURL`` (no text) if any
    part is not as the form says."""
    if not is_sentinel_url(url) or "#" in url or "?" in url:
        raise UnreadableSentinelURL()
    rest = url[len(SCHEME) + 3 :]
    authority, _, path = rest.partition("/")
    username = password = None
    if "@" in authority:
        userinfo, _, authority = authority.rpartition("@")
        if "@" in userinfo:
            raise UnreadableSentinelURL()
        user, colon, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
    if "@" in path or not authority:
        raise UnreadableSentinelURL()
    sentinels = tuple(_address(item) for item in authority.split(","))
    pieces = path.split("/")
    if not pieces[0] or len(pieces) > 2:
        raise UnreadableSentinelURL()
    db = 0
    if len(pieces) == 2 and pieces[1]:
        if not pieces[1].isdigit():
            raise UnreadableSentinelURL()
        db = int(pieces[1])
    return SentinelURL(sentinels, unquote(pieces[0]), db, username, password)


def _address(item: str) -> tuple[str, int]:
    host, colon, port = item.strip().rpartition(":") if ":" in item else (item, "", "")
    host = host.strip("[]")
    if not host:
        raise UnreadableSentinelURL()
    if not colon:
        return host, DEFAULT_PORT
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise UnreadableSentinelURL()
    return host, int(port)
