"""The Redis server behind a BullMQ backend: ``INFO`` (server, clients, memory, replication)
and ``DBSIZE`` in one pipeline, then the keys under the board's prefix counted by ``SCAN``.

Counting is bounded: at most ``SCAN_BUDGET`` keys are looked at (``SCAN_STEP`` per call). A
database with no more keys than that is counted exactly; a larger one is estimated from the
share of the keys seen that are under the prefix, and the page says so. A Redis user that may
not run ``INFO`` (an ACL without ``+info``, or the command renamed away) gets
``ServerDetailsRefused``, not an error page about the board's rules.
"""

from __future__ import annotations

from typing import Any

import redis
from django.utils.text import format_lazy

from ..server_types import REFUSED_MESSAGE, KeyCount, ServerDetails, ServerDetailsRefused
from .cluster import home_node, is_cluster, node_reply

#: Keys ``SCAN`` looks at per call, and in all per request.
SCAN_STEP = 1000
SCAN_BUDGET = 10_000
_SECTIONS = ("server", "clients", "memory", "replication")


def _int(info: dict[str, Any], name: str) -> int | None:
    value = info.get(name)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _str(info: dict[str, Any], name: str) -> str | None:
    value = info.get(name)
    return str(value) if value is not None and value != "" else None


def _refused(exc: Exception) -> bool:
    if isinstance(exc, redis.exceptions.NoPermissionError):
        return True
    text = str(exc).lower()
    return "unknown command" in text or "no permissions" in text or "noperm" in text


class BullMQServerDetailsMixin:
    """``server_details`` for ``BullMQBackend`` (uses its ``pool`` and ``prefix``)."""

    supports_server_details = True
    prefix: str
    pool: Any

    async def server_details(self) -> ServerDetails:
        client = self.pool.get().redis
        with self.pool.translate_errors():
            # On a cluster: the primary of the prefix's slot, which holds every queue.
            node = await home_node(client) if is_cluster(client) else None
            try:
                if node is None:
                    async with client.pipeline(transaction=False) as pipe:
                        for section in _SECTIONS:
                            pipe.info(section)
                        pipe.dbsize()
                        *sections, total = await pipe.execute()
                else:  # a cluster pipeline refuses INFO: one call each, on that node
                    sections = [
                        node_reply(await client.info(section, target_nodes=node), node)
                        for section in _SECTIONS
                    ]
                    total = node_reply(await client.dbsize(target_nodes=node), node)
            except redis.ResponseError as exc:
                if _refused(exc):
                    message = format_lazy(REFUSED_MESSAGE, error=str(exc)[:200])
                    raise ServerDetailsRefused(message) from exc
                raise
            keys = await self._count_prefix_keys(client, int(total), node)
        info: dict[str, Any] = {}
        for section in sections:
            info.update(section)
        return ServerDetails(
            product="Valkey" if "valkey_version" in info else "Redis",
            version=_str(info, "valkey_version") or _str(info, "redis_version") or "?",
            mode=_str(info, "redis_mode") or _str(info, "server_mode"),
            role=_str(info, "role"),
            uptime_seconds=_int(info, "uptime_in_seconds"),
            used_memory_bytes=_int(info, "used_memory"),
            peak_memory_bytes=_int(info, "used_memory_peak"),
            max_memory_bytes=_int(info, "maxmemory"),
            eviction_policy=_str(info, "maxmemory_policy"),
            connected_clients=_int(info, "connected_clients"),
            blocked_clients=_int(info, "blocked_clients"),
            keys=keys,
            prefix=self.prefix,
        )

    async def _count_prefix_keys(self, client: Any, total: int, node: Any = None) -> KeyCount:
        head = f"{self.prefix}:".encode()
        cursor: Any = 0
        seen = matched = 0
        where = {} if node is None else {"target_nodes": node}
        while True:
            cursor, batch = await client.scan(cursor=cursor, count=SCAN_STEP, **where)
            cursor = node_reply(cursor, node) if node is not None else cursor
            seen += len(batch)
            matched += sum(
                1
                for key in batch
                if (key if isinstance(key, bytes) else key.encode()).startswith(head)
            )
            if int(cursor) == 0:
                return KeyCount(count=matched, exact=True, sampled=seen, total=total)
            if seen >= SCAN_BUDGET:
                break
        estimate = round(matched / seen * total) if seen else 0
        return KeyCount(count=estimate, exact=False, sampled=seen, total=total)
