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
from collections.abc import Awaitable, Callable, Iterable
from typing import cast

import redis.asyncio

from .cluster import is_cluster, scan_primaries
from .kept_queues import KeptQueues
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


async def scan_candidates(
    client: redis.asyncio.Redis,
    prefix: str,
    on_page: Callable[[], Awaitable[None]] | None = None,
) -> set[str]:
    names: set[str] = set()
    escaped = glob_escape(prefix)
    for suffix, key_type in (("meta", "hash"), ("id", "string")):
        if is_cluster(client):  # every primary, each to the end of its own cursor
            async for page in scan_primaries(client, f"{escaped}:*:{suffix}", SCAN_COUNT, key_type):
                names |= candidates_from_keys(page, prefix, suffix)
                if on_page is not None:
                    await on_page()
            continue
        cursor: int = 0
        while True:
            cursor, keys = await client.scan(  # bytes: the pool never decodes
                cursor, match=f"{escaped}:*:{suffix}", count=SCAN_COUNT, _type=key_type
            )
            names |= candidates_from_keys(cast(list[bytes], keys), prefix, suffix)
            if on_page is not None:
                await on_page()
            if not cursor:
                break
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
    keys takes seconds, and no page should wait for it. The names found are kept in Redis
    (``kept_queues.py``), so a restarted board answers its first read from them at once; a full
    scan runs when the kept list is older than ``refresh`` seconds, in one process of all the
    boards on that Redis at a time. With nothing kept, the first read waits ``first_wait``
    seconds for the first scan and then answers an empty list (``refreshing`` says why). A read
    after ``forget()`` and every read with ``ttl`` 0 wait for a scan.
    """

    #: Seconds the first read of a board with no kept list waits for the first scan.
    first_wait: float = 1.0

    def __init__(
        self,
        prefix: str,
        ttl: float,
        fixed: Iterable[str] | None = None,
        refresh: float = 60.0,
    ) -> None:
        self.prefix = prefix
        self.ttl = ttl
        self.refresh = refresh
        self.fixed = None if fixed is None else sorted(dict.fromkeys(fixed))
        self.kept = KeptQueues(prefix)
        self._names: list[str] | None = None
        self._expires = 0.0
        self._refresh: asyncio.Task[list[str] | None] | None = None
        #: Bumped by ``forget()``: a scan begun before it does not store what it found.
        self._generation = 0
        self._forgotten = False
        self._waiting = False
        #: Whether this process has refreshed the list once: a restarted board answers from the
        #: kept list but scans once anyway (queues may have come and gone while it was down).
        self._refreshed_once = False
        #: Full scans this process ran (for tests and benchmarks).
        self.scans = 0
        #: Awaited after every SCAN page (tests hold a scan half-way with it).
        self.on_scan_page: Callable[[], Awaitable[None]] | None = None

    @property
    def cached(self) -> list[str] | None:
        if self.fixed is not None:
            return self.fixed
        if self._names is not None and time.monotonic() < self._expires:
            return self._names
        return None

    @property
    def refreshing(self) -> bool:
        """Whether the first scan is still running and nothing was kept to answer from."""
        return self.fixed is None and self._names is None and self._waiting

    async def names(self, client: redis.asyncio.Redis) -> list[str]:
        cached = self.cached
        if cached is not None:
            return cached
        if self.ttl <= 0 or self._forgotten:
            return await self._scan(client)
        if self._names is not None:
            self._refresh_later(client)
            return self._names
        kept = await self.kept.load(client)
        if kept is not None:
            self._hold(kept.names)
            if kept.age >= self.refresh or not self._refreshed_once:
                self._refresh_later(client)
            return kept.names
        task = self._refresh_later(client)
        try:
            found = await asyncio.wait_for(asyncio.shield(task), self.first_wait)
        except TimeoutError:
            found = None
        self._waiting = found is None
        return found if found is not None else []

    def _hold(self, names: list[str]) -> None:
        self._names, self._expires = names, time.monotonic() + self.ttl

    async def _scan(self, client: redis.asyncio.Redis) -> list[str]:
        generation = self._generation
        scanned = time.time()
        self.scans += 1
        candidates = await scan_candidates(client, self.prefix, self.on_scan_page)
        names = await confirm(client, self.prefix, candidates)
        if generation == self._generation:
            self._forgotten = False
            self._hold(names)
            if self.ttl > 0:  # a board that scans on every read keeps nothing for later
                await self.kept.store(client, names, scanned)
        return names

    async def _refreshed(self, client: redis.asyncio.Redis) -> list[str] | None:
        """Scan if the kept list is due and no other process scans; else take the kept list."""
        kept = await self.kept.load(client)
        first, self._refreshed_once = not self._refreshed_once, True
        if kept is None or kept.age >= self.refresh or first:
            if await self.kept.lock(client):
                try:
                    return await self._scan(client)
                finally:
                    await self.kept.unlock(client)
        if kept is not None:
            self._hold(kept.names)
            return kept.names
        return None  # another process runs the first scan: the next read looks again

    def _refresh_later(self, client: redis.asyncio.Redis) -> asyncio.Task[list[str] | None]:
        """One background refresh at a time per event loop (a request served through
        ``async_to_sync`` runs in a loop of its own, and may not wait for another loop's task);
        a failed one is retried at the next read."""
        loop = asyncio.get_running_loop()
        task = self._refresh
        if task is None or task.done() or task.get_loop() is not loop:
            task = loop.create_task(self._refreshed(client))
            task.add_done_callback(_log_failure)
            self._refresh = task
        return task

    async def knows(self, client: redis.asyncio.Redis, name: str) -> bool:
        """Whether ``name`` is a queue; a name not in the cache is confirmed on its own (and
        then kept, so the overview lists it before the next scan)."""
        names = await self.names(client)
        if name in names:
            return True
        if self.fixed is not None:
            return False
        if await confirm(client, self.prefix, [name]):
            await self.add(client, [name])
            return True
        return False

    async def add(self, client: redis.asyncio.Redis, names: Iterable[str]) -> None:
        """Queues seen to exist (a live event, a page opened) join the list before a scan."""
        if self.fixed is not None:
            return
        new = sorted(set(names) - set(self._names or ()))
        if not new:
            return
        if self._names is not None:
            self._names = sorted({*self._names, *new})
        await self.kept.add(client, new)

    async def remove(self, client: redis.asyncio.Redis, names: Iterable[str]) -> None:
        """Queues seen gone (obliterated through the board) leave the list at once, here and
        in the kept list, without a scan; a scan under way does not put them back."""
        if self.fixed is not None:
            return
        gone = set(names)
        self._generation += 1
        if self._names is not None:
            self._names = [name for name in self._names if name not in gone]
        await self.kept.remove(client, sorted(gone))

    def forget(self) -> None:
        """Drop the names held: the next read scans, and a scan already under way (a background
        refresh) does not put back what it found before."""
        self._names = None
        self._forgotten = True
        self._generation += 1


def _log_failure(task: asyncio.Task[list[str] | None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("Queue discovery failed in the background: %s", task.exception())
