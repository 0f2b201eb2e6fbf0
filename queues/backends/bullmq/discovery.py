"""Finding the queues under a prefix: SCAN for ``meta`` hashes and ``id`` strings, then confirm.

There is no queue registry in BullMQ. A Node ``Queue`` writes ``<prefix>:<name>:meta`` when it is
constructed; every add increments ``<prefix>:<name>:id``. A key of the right name and type can
still belong to something else (a job with custom id ``x:meta``, a job scheduler named ``meta``,
a deduplication id ``id``), so every candidate is confirmed in one pipeline: its meta hash carries
BullMQ's own fields, or two of its queue keys (meta, id, events) have the expected types.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

import redis.asyncio

from .keys import QueueKeys, glob_escape

logger = logging.getLogger("queues")
SCAN_COUNT = 10_000
#: Fields only a queue's meta hash carries (job hashes and scheduler hashes never do).
META_MARKERS = (b"opts.maxLenEvents", b"version")
RELAY = ":relay"


def candidates_from_keys(keys: Iterable[bytes], prefix: str, suffix: str) -> set[str]:
    head, tail = f"{prefix}:".encode(), f":{suffix}".encode()
    names: set[str] = set()
    for key in keys:
        if not (key.startswith(head) and key.endswith(tail)) or len(key) <= len(head) + len(tail):
            continue
        try:
            name = key[len(head) : -len(tail)].decode("utf-8")
        except UnicodeDecodeError:
            continue  # not addressable by name in a URL; BullMQ clients write UTF-8 names
        if name == RELAY or name.startswith(RELAY + ":"):
            continue
        names.add(name)
    return names


async def scan_candidates(client: redis.asyncio.Redis, prefix: str) -> set[str]:
    names: set[str] = set()
    escaped = glob_escape(prefix)
    for suffix, key_type in (("meta", "hash"), ("id", "string")):
        keys = [
            key
            async for key in client.scan_iter(
                match=f"{escaped}:*:{suffix}", count=SCAN_COUNT, _type=key_type
            )
        ]
        names |= candidates_from_keys(keys, prefix, suffix)
    return names


async def confirm(client: redis.asyncio.Redis, prefix: str, names: Iterable[str]) -> list[str]:
    """The names among ``names`` that are BullMQ queues, in one round trip."""
    ordered = sorted(set(names))
    if not ordered:
        return []
    pipe = client.pipeline(transaction=False)
    for name in ordered:
        keys = QueueKeys(prefix, name)
        pipe.type(keys.key("meta"))
        pipe.type(keys.key("id"))
        pipe.type(keys.key("events"))
        pipe.hmget(keys.key("meta"), *META_MARKERS)
    replies = await pipe.execute()
    confirmed = []
    for index, name in enumerate(ordered):
        meta_type, id_type, events_type, markers = replies[index * 4 : index * 4 + 4]
        votes = [meta_type == b"hash", id_type == b"string", events_type == b"stream"]
        if (meta_type == b"hash" and any(markers)) or sum(votes) >= 2:
            confirmed.append(name)
    return confirmed


class Discovery:
    """Queue names under one prefix, cached for ``ttl`` seconds (or a fixed list).

    Once names are known, an expired cache is answered from the names it holds while one scan
    refreshes it in the background (stale-while-revalidate): a SCAN over a Redis of millions of
    keys takes seconds, and no page should wait for it. Only the first read, a read after
    ``forget()``, and every read with ``ttl`` 0 wait for the scan.
    """

    def __init__(self, prefix: str, ttl: float, fixed: Iterable[str] | None = None) -> None:
        self.prefix = prefix
        self.ttl = ttl
        self.fixed = None if fixed is None else sorted(dict.fromkeys(fixed))
        self._names: list[str] | None = None
        self._expires = 0.0
        self._refresh: asyncio.Task[list[str]] | None = None
        #: Bumped by ``forget()``: a scan begun before it does not store what it found.
        self._generation = 0

    @property
    def cached(self) -> list[str] | None:
        if self.fixed is not None:
            return self.fixed
        if self._names is not None and time.monotonic() < self._expires:
            return self._names
        return None

    async def names(self, client: redis.asyncio.Redis) -> list[str]:
        cached = self.cached
        if cached is not None:
            return cached
        if self._names is not None and self.ttl > 0:
            self._refresh_later(client)
            return self._names
        return await self._scan(client)

    async def _scan(self, client: redis.asyncio.Redis) -> list[str]:
        generation = self._generation
        names = await confirm(client, self.prefix, await scan_candidates(client, self.prefix))
        if generation == self._generation:
            self._names, self._expires = names, time.monotonic() + self.ttl
        return names

    def _refresh_later(self, client: redis.asyncio.Redis) -> None:
        """One background scan at a time; a failed one is retried at the next read."""
        if self._refresh is not None and not self._refresh.done():
            return
        self._refresh = asyncio.get_running_loop().create_task(self._scan(client))
        self._refresh.add_done_callback(_log_failure)

    async def knows(self, client: redis.asyncio.Redis, name: str) -> bool:
        """Whether ``name`` is a queue; a name not in the cache is confirmed on its own."""
        names = await self.names(client)
        if name in names:
            return True
        if self.fixed is not None:
            return False
        return bool(await confirm(client, self.prefix, [name]))

    def forget(self) -> None:
        """Drop the names held: the next read scans, and a scan already under way (a background
        refresh) does not put back what it found before."""
        self._names = None
        self._generation += 1


def _log_failure(task: asyncio.Task[list[str]]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("Queue discovery failed in the background: %s", task.exception())
