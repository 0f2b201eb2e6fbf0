"""``redis+sentinel://`` and ``rediss+sentinel://`` (TLS) URLs: the master of a service the
Sentinels watch, found again after a failover.

The form is ``redis+sentinel://[user:pass@]host1:26379,host2:26379/<service_name>/<db>``: one
or more Sentinels (port 26379 when left out), the service (master) name Sentinel knows, and a
database number (0 when left out). The user and password are the master's (Redis' ``AUTH``);
the Sentinels' own, if they ask for one, are the ``sentinel_username`` and
``sentinel_password`` OPTIONS. Like the other URLs, a special character in the user or password
must be percent-encoded, and nothing of a URL that cannot be read is ever shown.

``rediss+sentinel://`` (same form) reaches the Sentinels and the master over TLS, with the TLS
OPTIONS of a ``rediss://`` URL (``tls.py``): the same CA, client certificate and hostname
check for both, since one deployment's Sentinels and servers are usually signed alike. The
master's certificate must name the address the Sentinels give for it (an IP address unless
they announce host names), or ``ssl_check_hostname`` be ``False``.

redis-py's ``Sentinel.master_for`` asks the Sentinels for the master's address on each new
connection, and a connection that finds its server demoted (``READONLY``) or gone is dropped,
so the next try (the client's one retry) lands on the new master. Our ``SyncSentinel`` and
``AsyncSentinel`` only make its "No master found" say why each Sentinel did not answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import redis.asyncio.sentinel
import redis.exceptions
import redis.sentinel

#: What redis-py's own ``discover_master`` takes as "this Sentinel did not answer".
NO_ANSWER = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

SCHEME = "redis+sentinel"
#: The same over TLS, to the Sentinels and to the master.
TLS_SCHEME = "rediss+sentinel"
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
    #: ``rediss+sentinel://``: the Sentinels and the master are reached over TLS.
    tls: bool = False

    @property
    def where(self) -> str:
        """The address for messages (never the credentials)."""
        hosts = ",".join(f"{host}:{port}" for host, port in self.sentinels)
        return f"{self.service_name} via Sentinel {hosts} (db {self.db})"

    def master(
        self, sentinel_class: Any, redis_class: Any, options: dict[str, Any], **kw: Any
    ) -> Any:
        """A client of ``redis_class`` on the current master (``kw``: the client's settings,
        with the ``ssl_*`` ones of ``tls.tls_options`` for a ``rediss+sentinel://`` URL)."""
        sentinel_kwargs: dict[str, Any] = {
            "socket_timeout": kw.get("socket_timeout"),
            "socket_connect_timeout": kw.get("socket_connect_timeout"),
        }
        if "retry" in kw:
            # The client's retries for the Sentinels too: redis-py's default (three, backing
            # off up to 10 s) would make every Sentinel that cannot answer cost seconds.
            sentinel_kwargs["retry"] = kw["retry"]
        if self.tls:
            # ``ssl`` makes redis-py's Sentinel clients ``SSLConnection``s and the master's
            # pool ``SentinelManagedSSLConnection``s; both take the same ``ssl_*`` settings.
            tls = {"ssl": True, **{k: v for k, v in kw.items() if k.startswith("ssl_")}}
            sentinel_kwargs.update(tls)
            kw = {**kw, **tls}
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


class SyncSentinel(redis.sentinel.Sentinel):
    """redis-py's, with a "No master found" that says why each Sentinel did not answer:
    redis-py 8 keeps only each error's class ("network:ConnectionError"), which would hide a
    failed TLS handshake that ``tls.tls_failure`` can name."""

    def discover_master(self, service_name: str) -> tuple[str, int]:
        reasons: list[str] = []
        for index, sentinel in enumerate(self.sentinels):
            try:
                masters = sentinel.sentinel_masters()
            except NO_ANSWER as exc:
                reasons.append(_reason(sentinel, exc))
                continue
            found = _master_in(self, masters, service_name, index)
            if found is not None:
                return found
        raise redis.sentinel.MasterNotFoundError(_not_found(service_name, reasons))


class AsyncSentinel(redis.asyncio.sentinel.Sentinel):
    """``SyncSentinel`` for ``redis.asyncio``."""

    async def discover_master(self, service_name: str) -> tuple[str, int]:
        reasons: list[str] = []
        for index, sentinel in enumerate(self.sentinels):
            try:
                masters = await sentinel.sentinel_masters()
            except NO_ANSWER as exc:
                reasons.append(_reason(sentinel, exc))
                continue
            found = _master_in(self, masters, service_name, index)
            if found is not None:
                return found
        raise redis.asyncio.sentinel.MasterNotFoundError(_not_found(service_name, reasons))


def _master_in(
    manager: Any,
    masters: dict[str, dict[str, Any]] | list[dict[str, Any]],
    service_name: str,
    index: int,
) -> tuple[str, int] | None:
    """The master's address if the Sentinel at ``index`` knows it up, as redis-py reads it
    (that Sentinel is then asked first next time). redis-py 8.2 types the reply as a list of
    states as well as a dict of them by name; both are read."""
    if isinstance(masters, list):
        masters = {str(state.get("name")): state for state in masters}
    state = masters.get(service_name)
    if not state or not manager.check_master_state(state, service_name):
        return None
    sentinels = manager.sentinels
    sentinels[0], sentinels[index] = sentinels[index], sentinels[0]
    forced_ip = getattr(manager, "_force_master_ip", None)
    return (forced_ip if forced_ip is not None else state["ip"]), state["port"]


def _reason(sentinel: Any, exc: BaseException) -> str:
    """Why one Sentinel did not answer: redis-py's text names its address (and never the
    password), except a timeout's."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    kwargs = sentinel.connection_pool.connection_kwargs
    address = f"{kwargs.get('host')}:{kwargs.get('port')}"
    return text if address in text else f"{address}: {text}"


def _not_found(service_name: str, reasons: list[str]) -> str:
    text = f"No master found for {service_name!r}"
    return f"{text} ({'; '.join(reasons)})" if reasons else text


def is_sentinel_url(url: str) -> bool:
    return url.lower().startswith((SCHEME + "://", TLS_SCHEME + "://"))


def parse_sentinel_url(url: str) -> SentinelURL:
    """The parts of a ``redis+sentinel://`` (or ``rediss+sentinel://``) URL;
    ``UnreadableSentinelURL`` (no text) if any part is not as the form says."""
    if not is_sentinel_url(url) or "#" in url or "?" in url:
        raise UnreadableSentinelURL()
    scheme, _, rest = url.partition("://")
    tls = scheme.lower() == TLS_SCHEME
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
    return SentinelURL(sentinels, unquote(pieces[0]), db, username, password, tls)


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
