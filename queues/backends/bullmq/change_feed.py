"""BullMQ's change feed: every queue of one backend followed over ONE Redis connection.

``XREAD BLOCK`` across all ``<prefix>:<queue>:events`` streams (plain reads: no consumer group is
created on the user's streams), seeded from each stream's newest entry. Events are folded per
queue (``events``) and given out as one batch at most every ``flush_interval``: one pipeline
reads the counts of the queues that changed, progress comes from the events themselves. Every
``resync`` seconds the queue list is rediscovered and all counts are read again, because
streams are trimmed and a reader can fall behind; a queue discovered then is a
``QueueAppeared``. New log lines write no event: the watched jobs' log lengths are compared
every ``poll`` seconds (one pipeline). Redis failing ends the feed with ``BackendUnavailable``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import redis.asyncio

from ...states import JobState
from ..changes import (
    ChangeEvent,
    ChangeFeed,
    CountsMoved,
    FeedOptions,
    JobLogged,
    JobMoved,
    JobProgressed,
    QueueAppeared,
    Watched,
)
from ..types import QueueSummary
from .events import ENTERS, QueueEvents, fold
from .keys import NEWEST_FIRST, QueueKeys
from .reads import COUNTS_SLICE, read_counts

if TYPE_CHECKING:
    from .backend import BullMQBackend

#: Seconds added to a poll and a read's wait when a newly watched queue's stream is read from
#: the recent past (``_follow``).
LOOKBACK_MARGIN = 2.0


class BullMQChangeFeedMixin:
    """``change_feed`` for ``BullMQBackend``."""

    newest_first: ClassVar[frozenset[JobState]] = frozenset(
        state for state, newest in NEWEST_FIRST.items() if newest
    )

    def change_feed(self, watched: Watched, options: FeedOptions) -> ChangeFeed | None:
        backend: BullMQBackend = self  # type: ignore[assignment]
        return BullMQChangeFeed(backend, watched, options).batches()


class BullMQChangeFeed:
    """One feed: one connection, read until the consumer stops or Redis fails."""

    def __init__(self, backend: BullMQBackend, watched: Watched, options: FeedOptions) -> None:
        self.backend = backend
        self.watched = watched
        self.options = options
        self._streams: dict[bytes, str] = {}
        self._ids: dict[bytes, bytes] = {}
        self._seen: set[str] = set()
        self._log_counts: dict[tuple[str, str], int] = {}

    def _client(self) -> redis.asyncio.Redis:
        return self.backend.pool.connection.async_client(
            decode_responses=False,
            socket_timeout=self.options.block + 5,
            socket_connect_timeout=self.backend.pool.connect_timeout,
        )

    async def batches(self) -> AsyncIterator[list[ChangeEvent]]:
        client = self._client()
        try:
            with self.backend.pool.translate_errors():
                names = await self._names(client)
                await self._follow(client, names)
                summaries = await self._summaries(client, names)
                self._seen = set(names)
                yield [CountsMoved(summary) for summary in summaries.values()]
                async for batch in self._loop(client):
                    yield batch
        finally:
            await client.aclose()

    async def _loop(self, client: redis.asyncio.Redis) -> AsyncIterator[list[ChangeEvent]]:
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
            events: list[ChangeEvent] = []
            if pending and now - last_flush >= options.flush_interval:
                batch, pending = pending, {}
                events += await self._flushed(client, batch)
                last_flush = time.monotonic()
            if now >= next_poll:
                pages, jobs = self._watched_names()
                await self._follow(client, pages)
                # A job page opened since the last poll follows its flow's queues: their
                # moves since the page was read count too (the tree is redrawn from them).
                back = options.poll + options.block + LOOKBACK_MARGIN
                await self._follow(client, jobs, lookback=back)
                events += await self._logged(client)
                next_poll = now + options.poll
            if now >= next_resync:
                names = await self._names(client)
                await self._follow(client, names)
                events += await self._resynced(client, names)
                next_resync = now + options.resync
            if events:
                yield events

    # -- reading ---------------------------------------------------------------------------------

    async def _names(self, client: redis.asyncio.Redis) -> list[str]:
        names = await self.backend.discovery.names(client)
        return [name for name in names if not self.backend.is_queue_hidden(name)]

    def _watched_names(self) -> tuple[list[str], list[str]]:
        """Queues whose pages viewers have open, and the other queues of the job pages open
        (their flows' queues too): a queue created after discovery last ran is followed as soon
        as someone opens it, not once discovery's cache runs out."""
        flows = self.watched.flows()
        jobs = {q for q, _ in self.watched.jobs()} | flows
        pages = self.watched.queues() - flows
        shown = [
            sorted(n for n in names if not self.backend.is_queue_hidden(n))
            for names in (pages, jobs - pages)
        ]
        return shown[0], shown[1]

    async def _follow(
        self, client: redis.asyncio.Redis, names: Iterable[str], *, lookback: float = 0.0
    ) -> None:
        """Add the events streams of new queues, from their newest entry on, or with
        ``lookback`` from that many seconds before now (the server's clock: stream ids are its
        milliseconds), so that a queue a viewer opened between two polls misses none of the
        moves since the page was read (moves already shown are told again, which changes
        nothing)."""
        new = [name for name in names if self._key(name) not in self._streams]
        if not new:
            return
        pipe = client.pipeline(transaction=False)
        if lookback:
            pipe.time()
        for name in new:
            pipe.xrevrange(self._key(name), count=1)
        newest_entries = await pipe.execute()
        since: bytes | None = None
        if lookback:
            (seconds, micros), *newest_entries = newest_entries
            now_ms = int(seconds) * 1000 + int(micros) // 1000
            since = f"{now_ms - int(lookback * 1000)}-0".encode()
        for name, newest in zip(new, newest_entries, strict=True):
            key = self._key(name)
            self._streams[key] = name
            if not newest:
                self._ids[key] = b"0-0"
            else:
                self._ids[key] = since or newest[0][0]

    def _key(self, name: str) -> bytes:
        return QueueKeys(self.backend.prefix, name).key("events").encode()

    async def _read(
        self, client: redis.asyncio.Redis, pending: dict[str, QueueEvents], block_ms: int
    ) -> None:
        if not self._ids:
            await asyncio.sleep(block_ms / 1000)
            return
        streams: dict[Any, Any] = dict(self._ids)
        reply: Any = await client.xread(streams, count=self.options.read_count, block=block_ms)
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
        # Nobody waits for the live reader: its reads hold Redis a few milliseconds at a time.
        rows = await read_counts(
            client, self.backend.prefix, names, self.backend.states, slice_size=COUNTS_SLICE
        )
        return {
            name: self.backend.summary_of(name, row) for name, row in zip(names, rows, strict=True)
        }

    async def _resynced(self, client: redis.asyncio.Redis, names: list[str]) -> list[ChangeEvent]:
        events: list[ChangeEvent] = []
        for name, summary in (await self._summaries(client, names)).items():
            events.append(CountsMoved(summary) if name in self._seen else QueueAppeared(summary))
            self._seen.add(name)
        return events

    # -- batches ---------------------------------------------------------------------------------

    async def _resolve_waiting(
        self, client: redis.asyncio.Redis, batch: dict[str, QueueEvents]
    ) -> None:
        """A ``waiting`` event does not say waiting, prioritized or (legacy) paused: one
        pipeline for the whole flush asks the prioritized zset and the paused list, so a tab
        counts only the jobs that entered it (no phantom "1 new job" on the Prioritized tab)."""
        unsure = [
            (name, job_id)
            for name, events in batch.items()
            for job_id, states in events.moved.items()
            if states == ENTERS["waiting"]
        ]
        if not unsure:
            return
        pipe = client.pipeline(transaction=False)
        for name, job_id in unsure:
            keys = QueueKeys(self.backend.prefix, name)
            pipe.zscore(keys.state(JobState.PRIORITIZED), job_id)
            pipe.lpos(keys.state(JobState.PAUSED), job_id)
        replies = await pipe.execute()
        for index, (name, job_id) in enumerate(unsure):
            score, position = replies[2 * index], replies[2 * index + 1]
            if score is not None:
                state = JobState.PRIORITIZED
            elif position is not None:
                state = JobState.PAUSED
            else:
                state = JobState.WAITING
            batch[name].moved[job_id] = (state,)

    async def _flushed(
        self, client: redis.asyncio.Redis, batch: dict[str, QueueEvents]
    ) -> list[ChangeEvent]:
        await self._resolve_waiting(client, batch)
        dirty = [name for name, events in batch.items() if events.counts_dirty]
        summaries = await self._summaries(client, dirty) if dirty else {}
        result: list[ChangeEvent] = []
        appeared = [name for name in summaries if name not in self._seen]
        if appeared:  # a queue not yet discovered (its page is open): listed from now on
            await self.backend.discovery.add(client, appeared)
            self._seen.update(appeared)
        for name, events in batch.items():
            if name in appeared:
                result.append(QueueAppeared(summaries[name]))
            elif name in summaries:
                result.append(CountsMoved(summaries[name]))
            result += [
                JobProgressed(name, job_id, data) for job_id, data in events.progress.items()
            ]
            result += [JobMoved(name, job_id, states) for job_id, states in events.moved.items()]
        return result

    async def _logged(self, client: redis.asyncio.Redis) -> list[ChangeEvent]:
        """New log lines write no event: compare the log length of each watched job."""
        watched = sorted(self.watched.jobs())
        for key in set(self._log_counts) - set(watched):
            del self._log_counts[key]
        if not watched:
            return []
        pipe = client.pipeline(transaction=False)
        for queue, job_id in watched:
            pipe.llen(QueueKeys(self.backend.prefix, queue).job_part(job_id, "logs"))
        events: list[ChangeEvent] = []
        for (queue, job_id), length in zip(watched, await pipe.execute(), strict=True):
            known = self._log_counts.get((queue, job_id))
            self._log_counts[(queue, job_id)] = int(length)
            if known is not None and known != int(length):
                events.append(JobLogged(queue, job_id))
        return events
