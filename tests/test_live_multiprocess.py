"""Two daphne processes with channels_redis: every client gets each update exactly once,
whichever process it is connected to, and the survivor takes over when the reader's process
goes away."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from bullmq import Queue

from queues.live.leader import LOCK_KEY
from tests.live_helpers import session_cookie
from tests.live_servers import Daphne, daphne
from tests.live_ws_client import Closed, WsClient
from tests.redis_server import RedisServer, free_port

pytestmark = pytest.mark.django_db(transaction=True)
QUEUE = "multi"
LIVE = {"BLOCK": 0.5, "RESYNC": 2.0, "LOCK_TTL": 1.5, "LINGER": 5.0}
PROGRESS = re.compile(r'<progress class="qb-progress" max="100" value="(\d+)"')


@pytest.fixture
def two_boards(redis_server: RedisServer, redis_url: str) -> Iterator[list[Daphne]]:
    channel_redis = redis_url.rsplit("/", 1)[0] + "/1"
    boards = [
        daphne(free_port(), redis_url, channel_redis=channel_redis, live=LIVE) for _ in range(2)
    ]
    asyncio.run(seed(redis_url))  # the queue exists before the readers start
    try:
        for board in boards:
            board.start()
        yield boards
    finally:
        for board in boards:
            board.stop()


async def seed(redis_url: str) -> None:
    queue = Queue(QUEUE, {"connection": redis_url, "prefix": "bull"})
    await queue.add("seed", {})
    await queue.close()


def leader_token(redis_url: str) -> bytes | None:
    client = redis.Redis.from_url(redis_url.rsplit("/", 1)[0] + "/1")
    try:
        return client.get(LOCK_KEY)
    finally:
        client.close()


async def collect(client: WsClient, into: Counter[str]) -> None:
    """Count every progress value received, until the connection closes."""
    while True:
        try:
            message = await client.recv()
        except Closed:
            return
        into.update(PROGRESS.findall(json.loads(message).get("content", "")))


async def settle(received: list[Counter[str]], expected: Counter[str]) -> None:
    """Wait until every client has at least the expected messages, then a little longer."""
    for _ in range(150):
        if all(set(counts) >= set(expected) for counts in received):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # duplicates, if any, would arrive now


async def scenario(boards: list[Daphne], redis_url: str, cookie: str) -> None:
    queue = Queue(QUEUE, {"connection": redis_url, "prefix": "bull"})
    jobs = [await queue.add("work", {"n": n}) for n in range(40)]
    path = f"/ws/queue/bullmq/{QUEUE}/"
    ws_urls = [board.url.replace("http", "ws") + path for board in boards]
    clients = [
        await WsClient.connect(ws_urls[n % 2], cookie=f"sessionid={cookie}") for n in range(4)
    ]
    received: list[Counter[str]] = [Counter() for _ in clients]
    readers = [asyncio.create_task(collect(c, r)) for c, r in zip(clients, received, strict=True)]
    try:
        for _ in range(100):
            if leader_token(redis_url):
                break
            await asyncio.sleep(0.1)
        assert leader_token(redis_url), "no process took the reader's lock"
        await asyncio.sleep(1.0)  # the reader is following the streams
        for n, job in enumerate(jobs[:20], start=1):  # one progress event per job: 1..20 %
            await job.updateProgress(n)
            await asyncio.sleep(0.01)
        expected = Counter({str(n): 1 for n in range(1, 21)})
        await settle(received, expected)
        for counts in received:
            assert counts == expected

        # The process reading the queues goes away: the other one takes over.
        leader = [n for n, board in enumerate(boards) if "reads the queues" in board.log_tail()]
        assert len(leader) == 1, [board.log_tail() for board in boards]
        boards[leader[0]].stop(kill=True)
        survivor = 1 - leader[0]
        for _ in range(100):
            await asyncio.sleep(0.1)
            if "reads the queues" in boards[survivor].log_tail():
                break
        assert "reads the queues" in boards[survivor].log_tail()
        for counts in received:
            counts.clear()
        await asyncio.sleep(1.0)
        for n, job in enumerate(jobs[20:], start=21):
            await job.updateProgress(n)
            await asyncio.sleep(0.01)
        expected = Counter({str(n): 1 for n in range(21, 41)})
        await settle([received[n] for n in range(survivor, 4, 2)], expected)
        for client_index in range(survivor, 4, 2):
            assert received[client_index] == expected
    finally:
        for client in clients:
            await client.close()
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await queue.close()


def test_each_client_gets_each_update_exactly_once(
    two_boards: list[Daphne], redis_url: str, staff_user: Any
) -> None:
    asyncio.run(scenario(two_boards, redis_url, session_cookie(staff_user)))
