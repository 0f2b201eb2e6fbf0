"""BullMQ's change feed: real bullmq writes, backend-neutral events out (``backends/changes.py``).

The feed is read directly here, without live updates: what the board renders from it is
covered by the tests/test_live_*.py suites.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from bullmq import Queue

from queues.backends.bullmq.change_feed import BullMQChangeFeed
from queues.backends.changes import (
    ChangeEvent,
    CountsMoved,
    FeedOptions,
    JobLogged,
    JobMoved,
    JobProgressed,
    QueueAppeared,
)
from queues.backends.errors import BackendUnavailable
from queues.live.feed_follower import WatchedBy
from queues.live.watches import Watches
from queues.states import JobState
from tests.bullmq_producers import opts
from tests.redis_server import start_private_redis

FAST = FeedOptions(block=0.1, flush_interval=0.02, resync=0.3, poll=0.1, read_count=100)


def make_backend(settings: Any, url: str) -> Any:
    from queues.backends import backends

    settings.QUEUEBOARD_BACKENDS = {
        **settings.QUEUEBOARD_BACKENDS,
        "bullmq": {
            "BACKEND": "queues.backends.bullmq.BullMQBackend",
            "OPTIONS": {"url": url, "prefix": "bull", "discovery_ttl": 0},
            "HIDDEN_QUEUES": ["secret"],
        },
    }
    return backends["bullmq"]


class Collected:
    """The feed's batches, read by a task while the test writes."""

    def __init__(self, feed: BullMQChangeFeed) -> None:
        self.batches = feed.batches()
        self.events: list[ChangeEvent] = []

    async def first(self) -> list[ChangeEvent]:
        return list(await anext(self.batches))

    async def _read(self) -> None:
        async for batch in self.batches:
            self.events += batch

    def start(self) -> None:
        self.task = asyncio.create_task(self._read())

    async def until(self, found: Callable[[ChangeEvent], bool]) -> ChangeEvent:
        async with asyncio.timeout(15):
            while True:
                for event in self.events:
                    if found(event):
                        return event
                if self.task.done():
                    self.task.result()
                await asyncio.sleep(0.02)

    async def close(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.batches.aclose()


def test_snapshot_moves_progress_logs_and_new_queues(settings: Any, redis_url: str) -> None:
    backend = make_backend(settings, redis_url)

    async def scenario() -> None:
        first, secret = Queue("feed-a", opts(redis_url)), Queue("secret", opts(redis_url))
        later = Queue("feed-b", opts(redis_url))
        watches = Watches(60)
        feed = BullMQChangeFeed(backend, WatchedBy(watches, "bullmq"), FAST)
        collected = Collected(feed)
        try:
            seed = await first.add("seed", {})
            await secret.add("hidden", {})
            snapshot = await collected.first()
            assert [type(event) for event in snapshot] == [CountsMoved]
            (counts,) = snapshot
            assert isinstance(counts, CountsMoved)
            assert counts.summary.name == "feed-a"
            assert counts.summary.counts[JobState.WAITING] == 1

            watches.touch("bullmq", "feed-a", seed.id)
            collected.start()
            plain = await first.add("plain", {})
            urgent = await first.add("urgent", {}, {"priority": 3})
            assert await collected.until(lambda e: isinstance(e, JobMoved) and e.job_id == plain.id)
            moved = await collected.until(
                lambda e: isinstance(e, JobMoved) and e.job_id == urgent.id
            )
            assert moved == JobMoved("feed-a", urgent.id, (JobState.PRIORITIZED,))
            assert JobMoved("feed-a", plain.id, (JobState.WAITING,)) in collected.events
            await collected.until(
                lambda e: (
                    isinstance(e, CountsMoved)
                    and e.summary.counts[JobState.PRIORITIZED] == 1
                    and e.summary.counts[JobState.WAITING] == 2
                )
            )

            await seed.updateProgress({"step": 2})
            progressed = await collected.until(lambda e: isinstance(e, JobProgressed))
            assert isinstance(progressed, JobProgressed)
            assert (progressed.queue, progressed.job_id) == ("feed-a", seed.id)
            assert b'"step"' in bytes(progressed.progress)

            # The watched job's log length is known before a line is written.
            async with asyncio.timeout(15):
                while ("feed-a", seed.id) not in feed._log_counts:  # noqa: ASYNC110 - its state
                    await asyncio.sleep(0.02)
            await seed.log("a line")
            assert await collected.until(lambda e: e == JobLogged("feed-a", seed.id))

            await later.add("late", {})
            appeared = await collected.until(lambda e: isinstance(e, QueueAppeared))
            assert isinstance(appeared, QueueAppeared)
            assert appeared.summary.name == "feed-b"
            assert appeared.summary.counts[JobState.WAITING] == 1
            for event in collected.events:
                assert getattr(event, "queue", None) != "secret"
                summary = getattr(event, "summary", None)
                assert summary is None or summary.name != "secret"
        finally:
            await collected.close()
            for queue in (first, secret, later):
                await queue.close()

    asyncio.run(scenario())


def test_redis_going_away_ends_the_feed_with_backend_unavailable(settings: Any) -> None:
    server = start_private_redis()
    try:
        backend = make_backend(settings, server.url)

        async def scenario() -> None:
            feed = backend.change_feed(WatchedBy(Watches(5), "bullmq"), FAST)
            assert feed is not None
            try:
                assert await anext(feed) == []  # no queues yet
                server.stop()
                with pytest.raises(BackendUnavailable):
                    async with asyncio.timeout(15):
                        await anext(feed)
            finally:
                await feed.aclose()  # type: ignore[attr-defined]

        asyncio.run(scenario())
    finally:
        server.stop()


def test_a_backend_without_a_feed_says_none(settings: Any) -> None:
    from queues.backends import backends

    assert backends["tasks"].change_feed(WatchedBy(Watches(5), "tasks"), FAST) is None
