"""Cold start: the queue list kept in Redis answers a restarted board at once; one scan renews it.

Each ``backend(...)`` is a board process after a restart (nothing in memory); they share the
Redis, so what one process found is what the next one starts from.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from bullmq import Queue

from queues.backends.bullmq import BullMQBackend
from queues.backends.bullmq.change_feed import BullMQChangeFeed
from queues.backends.changes import FeedOptions, QueueAppeared
from queues.live.feed_follower import WatchedBy
from queues.live.watches import Watches
from tests import bullmq_producers as producers
from tests.bullmq_producers import opts
from tests.redis_server import RedisServer, start_private_redis
from tests.test_bullmq_acl import READ_ONLY_RULES

KEPT, SCANNED, LOCK = (
    "bull:queueboard:queues",
    "bull:queueboard:queues:scanned",
    ("bull:queueboard:queues:lock"),
)
FAST = FeedOptions(block=0.1, flush_interval=0.02, resync=600, poll=0.1, read_count=100)


def backend(url: str, **options: Any) -> BullMQBackend:
    return BullMQBackend("bullmq", {"OPTIONS": {"url": url, "prefix": "bull", **options}})


def names(b: BullMQBackend) -> list[str]:
    async def call() -> list[str]:
        try:
            return [queue.name for queue in await b.list_queues()]
        finally:
            await b.close()

    return asyncio.run(call())


def test_a_restarted_board_answers_from_the_kept_list_before_its_scan_ends(
    redis_url: str,
) -> None:
    for name in ("alpha", "beta", "gone"):
        asyncio.run(producers.add_jobs(redis_url, name, 1))
    assert names(backend(redis_url)) == ["alpha", "beta", "gone"]  # the first board scans
    r = redis.Redis.from_url(redis_url)
    assert r.exists(KEPT, SCANNED) == 2
    asyncio.run(producers.add_jobs(redis_url, "late", 1))
    r.delete(*r.keys("bull:gone:*"))  # obliterated while the board was down

    restarted = backend(redis_url, discovery_refresh=0)  # the kept list is due for a scan
    gate = asyncio.Event()

    async def held() -> None:
        await gate.wait()

    restarted.discovery.on_scan_page = held

    async def scenario() -> tuple[list[str], list[str]]:
        try:
            first = [queue.name for queue in await restarted.list_queues()]
            refresh = restarted.discovery._refresh
            assert refresh is not None and not refresh.done()  # the scan is held half-way
            gate.set()
            await refresh
            return first, [queue.name for queue in await restarted.list_queues()]
        finally:
            await restarted.close()

    first, after = asyncio.run(scenario())
    assert first == ["alpha", "beta", "gone"]
    assert after == ["alpha", "beta", "late"]
    assert sorted(r.smembers(KEPT)) == [b"alpha", b"beta", b"late"]
    assert r.exists(LOCK) == 0  # released


def test_one_scan_across_concurrent_requests_and_processes(redis_url: str) -> None:
    asyncio.run(producers.add_jobs(redis_url, "alpha", 1))
    assert names(backend(redis_url)) == ["alpha"]
    boards = [backend(redis_url, discovery_refresh=0) for _ in range(3)]
    gate = asyncio.Event()

    async def held() -> None:
        await gate.wait()

    for board in boards:
        board.discovery.on_scan_page = held

    async def scenario() -> list[list[str]]:
        try:
            lists = await asyncio.gather(
                *(board.list_queues() for board in boards for _ in range(10))
            )
            refreshes = [board.discovery._refresh for board in boards]
            gate.set()
            await asyncio.gather(*(task for task in refreshes if task is not None))
            return [[queue.name for queue in found] for found in lists]
        finally:
            for board in boards:
                await board.close()

    lists = asyncio.run(scenario())
    assert lists == [["alpha"]] * 30
    assert sum(board.discovery.scans for board in boards) == 1


def test_the_overview_says_the_queue_list_is_refreshing(
    bullmq_backend: Any, redis_url: str, staff_client: Any
) -> None:
    """Nothing kept and another process runs the first scan: no "No queues yet"."""
    asyncio.run(producers.add_jobs(redis_url, "alpha", 1))
    redis.Redis.from_url(redis_url).set(LOCK, b"other-process", ex=60)
    body = staff_client.get("/").content.decode()
    section = body.split('id="backend-bullmq"', 1)[1].split("</section>", 1)[0]
    assert "Refreshing the queue list" in section and "No queues yet" not in section
    assert bullmq_backend.discovery.scans == 0


def test_a_new_queue_joins_the_list_through_the_live_readers_events(redis_url: str) -> None:
    asyncio.run(producers.add_jobs(redis_url, "alpha", 1))
    board = backend(redis_url, discovery_refresh=3600)  # no scan will find "fresh"
    assert names(board) == ["alpha"]
    watches = Watches(60)

    async def scenario() -> QueueAppeared:
        fresh = Queue("fresh", opts(redis_url))
        feed = BullMQChangeFeed(board, WatchedBy(watches, "bullmq"), FAST).batches()

        async def produce() -> None:
            while True:  # until the feed follows the new stream (it starts from its newest entry)
                await fresh.add("job", {})
                await asyncio.sleep(0.2)

        producer = asyncio.create_task(produce())
        try:
            await anext(feed)
            watches.touch("bullmq", "fresh")  # a viewer opened its page
            async with asyncio.timeout(15):
                while True:
                    for event in await anext(feed):
                        if isinstance(event, QueueAppeared):
                            return event
        finally:
            producer.cancel()
            await asyncio.gather(producer, return_exceptions=True)
            await feed.aclose()
            await fresh.close()
            await board.close()

    appeared = asyncio.run(scenario())
    assert appeared.summary.name == "fresh"
    client = redis.Redis.from_url(redis_url)
    assert client.smembers("bull:queueboard:queues") == {b"alpha", b"fresh"}  # kept, no scan
    client.close()
    restarted = backend(redis_url, discovery_refresh=3600)
    assert names(restarted) == ["alpha", "fresh"]


@pytest.fixture(scope="module")
def acl_redis() -> Iterator[RedisServer]:
    server = start_private_redis()
    redis.Redis(port=server.port).execute_command(*READ_ONLY_RULES.split())
    yield server
    server.stop()


def test_a_read_only_user_keeps_the_list_in_memory(acl_redis: RedisServer) -> None:
    admin = redis.Redis(port=acl_redis.port)
    admin.flushall()
    asyncio.run(producers.add_jobs(acl_redis.url, "alpha", 2))
    viewer = f"redis://viewer:viewer-secret@127.0.0.1:{acl_redis.port}/0"
    board = backend(viewer, discovery_refresh=0)

    async def scenario() -> tuple[list[str], list[str]]:
        try:
            first = [queue.name for queue in await board.list_queues()]
            await producers.add_jobs(acl_redis.url, "beta", 1)
            board.discovery._expires = 0.0
            await board.list_queues()
            assert board.discovery._refresh is not None
            await board.discovery._refresh
            return first, [queue.name for queue in await board.list_queues()]
        finally:
            await board.close()

    first, after = asyncio.run(scenario())
    assert (first, after) == (["alpha"], ["alpha", "beta"])
    assert not board.discovery.kept.writable
    assert admin.exists(KEPT, SCANNED, LOCK) == 0


@pytest.mark.parametrize("value", [-1, "60", True])
def test_a_bad_refresh_interval_is_a_check_error(redis_url: str, value: Any) -> None:
    messages = backend(redis_url, discovery_refresh=value).check()
    expected = "The 'discovery_refresh' option must be a number of seconds (at least 0)."
    assert [m.id for m in messages if expected in m.msg] == ["queueboard.E005"]


def test_a_good_refresh_interval_passes_the_checks(redis_url: str) -> None:
    messages = backend(redis_url, discovery_refresh=0).check()
    assert [m for m in messages if "discovery_refresh" in m.msg] == []


def test_a_restarted_board_scans_once_even_when_the_kept_list_is_fresh(redis_url: str) -> None:
    asyncio.run(producers.add_jobs(redis_url, "alpha", 1))
    assert names(backend(redis_url, discovery_refresh=3600)) == ["alpha"]  # kept, just now
    asyncio.run(producers.add_jobs(redis_url, "late", 1))  # while the board was down

    async def scenario() -> tuple[list[str], list[str]]:
        restarted = backend(redis_url, discovery_refresh=3600)
        try:
            first = [queue.name for queue in await restarted.list_queues()]
            refresh = restarted.discovery._refresh
            assert refresh is not None
            await refresh
            return first, [queue.name for queue in await restarted.list_queues()]
        finally:
            await restarted.close()

    first, after = asyncio.run(scenario())
    assert first == ["alpha"]  # answered from the kept list at once
    assert after == ["alpha", "late"]  # then its one background scan found the new queue
