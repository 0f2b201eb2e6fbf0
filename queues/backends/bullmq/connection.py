"""How the BullMQ backend reaches Redis: one URL (plain, TLS or Sentinel) and its OPTIONS.

Every client of the backend is made here, so reads, actions (ours and the ``bullmq`` package's),
the live reader, the workers panel and schedules all reach the same server the same way:

- ``redis://[user:pass@]host:port/db`` and ``unix:///path.sock``: one server.
- ``rediss://[user:pass@]host:port/db``: one server over TLS, with the ``ssl_ca_certs``,
  ``ssl_certfile``, ``ssl_keyfile`` and ``ssl_check_hostname`` OPTIONS (``tls.py``).
- ``redis+sentinel://[user:pass@]host1:26379,host2:26379/<service_name>/<db>``: the current
  master of ``service_name`` as the Sentinels name it, found again after a failover
  (``sentinel.py``). The URL's user and password are the master's; the Sentinels' own are the
  ``sentinel_username`` and ``sentinel_password`` OPTIONS. ``rediss+sentinel://`` is the same
  over TLS (to the Sentinels and the master), with the TLS OPTIONS above.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import redis
import redis.asyncio

from .sentinel import (
    AsyncSentinel,
    SentinelURL,
    SyncSentinel,
    is_sentinel_url,
    parse_sentinel_url,
)
from .tls import tls_options


@dataclass(frozen=True)
class Connection:
    """What every client of one backend is made from."""

    url: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def sentinel(self) -> SentinelURL | None:
        return parse_sentinel_url(self.url) if is_sentinel_url(self.url) else None

    @property
    def cluster(self) -> bool:
        return self.options.get("cluster") is True

    def _kwargs(self, **extra: Any) -> dict[str, Any]:
        return {**tls_options(self.url, self.options), **extra}

    def async_client(self, **kwargs: Any) -> redis.asyncio.Redis:
        """A ``redis.asyncio`` client (``kwargs``: ``decode_responses``, timeouts, ``retry``)."""
        sentinel = self.sentinel
        if sentinel is not None:
            return sentinel.master(
                AsyncSentinel, redis.asyncio.Redis, self.options, **self._kwargs(**kwargs)
            )
        if self.cluster:
            from .cluster import async_cluster_client

            prefix = str(self.options.get("prefix") or "bull")
            # Not a ``redis.asyncio.Redis``, but it answers the same commands for one slot.
            return cast(Any, async_cluster_client(self.url, prefix, **self._kwargs(**kwargs)))
        return redis.asyncio.Redis.from_url(self.url, **self._kwargs(**kwargs))

    def sync_client(self, **kwargs: Any) -> redis.Redis:
        """A blocking client, for ``manage.py check``."""
        sentinel = self.sentinel
        if sentinel is not None:
            return sentinel.master(
                SyncSentinel, redis.Redis, self.options, **self._kwargs(**kwargs)
            )
        if self.cluster:
            from .cluster import sync_cluster_client

            return cast(Any, sync_cluster_client(self.url, **self._kwargs(**kwargs)))
        return redis.Redis.from_url(self.url, **self._kwargs(**kwargs))
