"""Follow every BullMQ queue of one backend over ONE Redis connection.

``XREAD BLOCK`` across all ``<prefix>:<queue>:events`` streams (plain reads: no consumer group is
created on the user's streams), seeded from each stream's newest entry. Events are folded per
queue and flushed at most every ``flush_interval``: one pipeline reads the counts of the queues
that changed, progress comes from the events themselves. Every ``resync`` seconds the queue list
is rediscovered and all counts are read again, because streams are trimmed and a reader can
fall behind; a queue discovered then is announced to overview viewers. Redis failing ends the
session; the follower reconnects with backoff and resyncs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Any

import redis
import redis.asyncio

from ..backends.base import ordered_counts
from ..backends.bullmq.backend import BullMQBackend
from ..backends.bullmq.keys import NEWEST_FIRST, QueueKeys
from ..backends.bullmq.reads import read_counts
from ..backends.errors import BackendError, JobNotFound, QueueNotFound
from ..backends.types import JobQuery, JobSummary, QueueSummary
from ..states import JobState
from . import render
from .events import QueueEvents, fold
from .options import LiveOptions
from .publisher import Publisher
from .watches import Watches

logger = logging.getLogger("queues.live")
READ_COUNT = 500


class BullMQFollower:
    def __init__(
        self, backend: BullMQBackend, publisher: Publisher, watches: Watches, options: LiveOptions
    ) -> None:
        self.backend = backend
        self.publisher = publisher
        self.watches = watches
        self.options = options
        self.sessions = 0
        self._streams: dict[bytes, str] = {}
        self._ids: dict[bytes, bytes] = {}
        self._log_counts: dict[tuple[str, str], int] = {}

    # -- lifecycle -------------------------------------------------------------------------------

    async def run(self) -> None:
        delay = self.options.backoff
        while True:
            started = time.monotonic()
            try:
                await self._session()
            except (redis.RedisError, OSError, BackendError) as exc:
                logger.warning("Live reader of %r: %s; reconnecting", self.backend.alias, exc)
            if time.monotonic() - started > self.options.resync:
                delay = self.options.backoff
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.options.max_backoff)

    def _client(self) -> redis.asyncio.Redis:
        return redis.asyncio.Redis.from_url(
            self.backend.url,
            decode_responses=False,
            socket_timeout=self.options.block + 5,
            socket_connect_timeout=self.backend.pool.connect_timeout,
        )

    async def _session(self) -> None:
        client = self._client()
        try:
            self._streams, self._ids = {}, {}
            names = await self._names(client)
            await self._follow(client, names)
            self.publisher.forget_counts()
            await self._resync(client, names)
            self.sessions += 1
            if self.sessions > 1:
                await self.publisher.resync()
            await self._loop(client)
        finally:
            await client.aclose()

    async def _loop(self, client: redis.asyncio.Redis) -> None:
        options = self.options
        now = time.monotonic()
        next_resync, next_poll, last_flush = now + options.resync, now + options.poll, 0.0
        pending: dict[str, QueueEvents] = {}
        while True:
            now = time.monotonic()
            wait = min(options.block, next_resync - now, next_poll - now)
            if pending:
                wait = min(wait, last_flush + options.flush_interval - now)
            if wait > 0 or not pending:
                await self._read(client, pending, max(int(wait * 1000), 1))
            now = time.monotonic()
            if pending and now - last_flush >= options.flush_interval:
                batch, pending = pending, {}
                await self._flush(client, batch)
                last_flush = time.monotonic()
            if now >= next_poll:
                await self._follow(client, self._watched_names())
                await self._poll_logs(client)
                next_poll = now + options.poll
            if now >= next_resync:
                names = await self._names(client)
                await self._follow(client, names)
                await self._resync(client, names)
                next_resync = now + options.resync

    # -- reading ---------------------------------------------------------------------------------

    async def _names(self, client: redis.asyncio.Redis) -> list[str]:
        names = await self.backend.discovery.names(client)
        return [name for name in names if not self.backend.is_queue_hidden(name)]

    def _watched_names(self) -> list[str]:
        """Queues whose pages (or job pages) viewers have open: a queue created after discovery
        last ran is followed as soon as someone opens it, not once discovery's cache runs out."""
        alias = self.backend.alias
        names = self.watches.queues(alias) | {queue for queue, _ in self.watches.jobs(alias)}
        return sorted(name for name in names if not self.backend.is_queue_hidden(name))

    async def _follow(self, client: redis.asyncio.Redis, names: Iterable[str]) -> None:
        """Add the events streams of new queues, from their newest entry on."""
        new = [name for name in names if self._key(name) not in self._streams]
        if not new:
            return
        pipe = client.pipeline(transaction=False)
        for name in new:
            pipe.xrevrange(self._key(name), count=1)
        for name, newest in zip(new, await pipe.execute(), strict=True):
            key = self._key(name)
            self._streams[key] = name
            self._ids[key] = newest[0][0] if newest else b"0-0"

    def _key(self, name: str) -> bytes:
        return QueueKeys(self.backend.prefix, name).key("events").encode()

    async def _read(
        self, client: redis.asyncio.Redis, pending: dict[str, QueueEvents], block_ms: int
    ) -> None:
        if not self._ids:
            await asyncio.sleep(block_ms / 1000)
            return
        streams: dict[Any, Any] = dict(self._ids)
        reply: Any = await client.xread(streams, count=READ_COUNT, block=block_ms)
        items = reply.items() if isinstance(reply, dict) else (reply or [])
        for stream, entries in items:
            if isinstance(entries, list) and len(entries) == 1 and isinstance(entries[0], list):
                entries = entries[0]  # RESP3 shape
            name = self._streams.get(stream)
            if name is None:
                continue
            batch = pending.setdefault(name, QueueEvents())
            for entry_id, fields in entries:
                self._ids[stream] = entry_id
                fold(batch, fields or {})

    async def _summaries(
        self, client: redis.asyncio.Redis, names: list[str]
    ) -> dict[str, QueueSummary]:
        rows = await read_counts(client, self.backend.prefix, names, self.backend.states)
        return {
            name: QueueSummary(
                backend=self.backend.alias,
                name=name,
                counts=ordered_counts(self.backend.states, row.counts),
                paused=row.paused,
                problem=row.problem,
            )
            for name, row in zip(names, rows, strict=True)
        }

    async def _resync(self, client: redis.asyncio.Redis, names: list[str]) -> None:
        summaries = await self._summaries(client, names)
        for name, summary in summaries.items():
            await self.publisher.queue(self.backend, name, summary=summary)
        for name in self.publisher.new_queues(self.backend.alias, names):
            await self.publisher.queue_added(self.backend, summaries[name])

    # -- publishing ------------------------------------------------------------------------------

    async def _flush(self, client: redis.asyncio.Redis, batch: dict[str, QueueEvents]) -> None:
        alias = self.backend.alias
        dirty = [name for name, events in batch.items() if events.counts_dirty]
        summaries = await self._summaries(client, dirty) if dirty else {}
        watched_queues, watched_jobs = self.watches.queues(alias), self.watches.jobs(alias)
        for name, events in batch.items():
            entered = events.entered()
            rows = await self._rows(name, entered) if name in watched_queues else {}
            progress = [
                render.progress_job(alias, name, job_id, data)
                for job_id, data in events.progress.items()
            ]
            await self.publisher.queue(
                self.backend,
                name,
                summary=summaries.get(name),
                progress=progress,
                moved=events.moved,
                entered={state: len(set(ids)) for state, ids in entered.items()},
                rows=rows,
            )
            for job in progress:
                if (name, job.id) in watched_jobs and job.id not in events.moved:
                    await self.publisher.job_progress(job)
            for job_id in events.moved:
                if (name, job_id) in watched_jobs:
                    await self._job(name, job_id)

    async def _rows(
        self, name: str, entered: dict[JobState, list[str]]
    ) -> dict[JobState, list[JobSummary]]:
        """The newest rows of the states jobs entered, for lists that show newest first."""
        rows: dict[JobState, list[JobSummary]] = {}
        for state, ids in entered.items():
            if state not in self.backend.states or not NEWEST_FIRST[state]:
                continue
            wanted = set(ids)
            size = min(len(wanted), self.options.max_rows)
            try:
                page = await self.backend.list_jobs(JobQuery(name, state, 1, size))
            except QueueNotFound:
                continue
            rows[state] = [job for job in page.jobs if job.id in wanted]
        return rows

    async def _job(self, queue: str, job_id: str) -> None:
        try:
            job = await self.backend.get_job(queue, job_id)
        except (JobNotFound, QueueNotFound):
            return
        self._log_counts[(queue, job_id)] = job.log_count
        await self.publisher.job(self.backend, job)

    async def _poll_logs(self, client: redis.asyncio.Redis) -> None:
        """New log lines write no event: compare the log length of each watched job."""
        watched = sorted(self.watches.jobs(self.backend.alias))
        for key in set(self._log_counts) - set(watched):
            del self._log_counts[key]
        if not watched:
            return
        pipe = client.pipeline(transaction=False)
        for queue, job_id in watched:
            pipe.llen(QueueKeys(self.backend.prefix, queue).job_part(job_id, "logs"))
        for (queue, job_id), length in zip(watched, await pipe.execute(), strict=True):
            known = self._log_counts.get((queue, job_id))
            self._log_counts[(queue, job_id)] = int(length)
            if known is not None and known != int(length):
                await self._job(queue, job_id)
