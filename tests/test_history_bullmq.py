"""The metrics history from a real Node bullmq worker: the elected reader's recorder counts the
jobs it sees finish per minute (matching the jobs' own ``finishedOn`` minutes), with their wait
and run times, and what it wrote is read back by a new reader and by a new process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest
import redis
from bullmq import Queue
from channels.layers import InMemoryChannelLayer

from queues.history import store
from queues.history.buckets import Resolution
from queues.history.recorder import recorder
from tests.bullmq_producers import opts
from tests.fixtures_bullmq import start_node_worker, stop_worker
from tests.live_helpers import use_live

pytestmark = pytest.mark.django_db(transaction=True)
QUEUE = "history-node"


@pytest.fixture
def history(settings: Any, bullmq_settings: dict[str, Any]) -> None:
    use_live(settings)
    settings.QUEUEBOARD = {"HISTORY_FLUSH_SECONDS": 0.2}


async def wait_until(check: Any, wait: float = 30) -> None:
    async with asyncio.timeout(wait):
        while not await check():  # noqa: ASYNC110 - polling state, not an event
            await asyncio.sleep(0.05)


async def add(url: str, ok: int, failing: int) -> None:
    queue = Queue(QUEUE, opts(url))
    try:
        await queue.addBulk(
            [
                {"name": "works" if n >= failing else "fails", "data": {"fail": n < failing}}
                for n in range(ok + failing)
            ]
        )
    finally:
        await queue.close()


def finished_minutes(url: str) -> dict[str, Counter[int]]:
    """The minute each finished job's own ``finishedOn`` falls in, per state."""
    client = redis.Redis.from_url(url)
    try:
        result: dict[str, Counter[int]] = {}
        for state in ("completed", "failed"):
            ids = client.zrange(f"bull:{QUEUE}:{state}", 0, -1)
            stamps = [client.hget(f"bull:{QUEUE}:{i.decode()}", "finishedOn") for i in ids]
            result[state] = Counter(int(s) // 60000 * 60 for s in stamps if s)
        return result
    finally:
        client.close()


async def run_reader() -> tuple[Any, asyncio.Task[None]]:
    from queues.live.options import live_options
    from queues.live.reader import Reader

    reader = Reader(InMemoryChannelLayer(), live_options())
    task = asyncio.create_task(reader.run())

    async def following() -> bool:
        if task.done():
            task.result()
        return reader.publisher.sent.get("qb.queue", 0) >= 1

    await wait_until(following)
    return reader, task


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def stored(resolution: Resolution) -> dict[int, tuple[int, int]]:
    return {
        row.start: (row.completed, row.failed) for row in store.read("bullmq", QUEUE, resolution, 0)
    }


def test_a_node_worker_counted_per_minute_across_a_restart(
    history: None, redis_url: str, node_modules: Any
) -> None:
    asyncio.run(counted_across_a_restart(redis_url))
    # A new process (a restarted board) reads the same history from the database.
    assert totals_read_by_a_new_process() in (None, [37, 12])


def totals_read_by_a_new_process() -> list[int] | None:
    from django.db import connection

    if connection.vendor != "sqlite":
        return None  # the test database of a server is not reachable by name from here
    code = (
        "import django, json; django.setup()\n"
        "from queues.history import store\n"
        "from queues.history.buckets import Resolution\n"
        f"rows = store.read('bullmq', {QUEUE!r}, Resolution.DAY, 0)\n"
        "print(json.dumps([sum(r.completed for r in rows), sum(r.failed for r in rows)]))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "QUEUEBOARD_TEST_DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found: list[int] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


async def counted_across_a_restart(redis_url: str) -> None:
    await add(redis_url, 1, 0)  # the queue exists before the reader lists it
    _, task = await run_reader()
    worker = await asyncio.to_thread(start_node_worker, redis_url, QUEUE, 5, 0)
    try:
        await add(redis_url, 30, 10)

        async def all_written() -> bool:
            rows = await asyncio.to_thread(stored, Resolution.MINUTE)
            return sum(c for c, _ in rows.values()) == 31 and sum(f for _, f in rows.values()) == 10

        await wait_until(all_written)
        await stop(task)
        # A second reader (a restarted board) adds to the same rows.
        _, task = await run_reader()
        await add(redis_url, 6, 2)

        async def more_written() -> bool:
            rows = await asyncio.to_thread(stored, Resolution.DAY)
            return sum(c for c, _ in rows.values()) == 37 and sum(f for _, f in rows.values()) == 12

        await wait_until(more_written)
    finally:
        await stop(task)
        await asyncio.to_thread(stop_worker, worker)
    # Each minute holds exactly the jobs whose own finishedOn falls in it.
    expected = await asyncio.to_thread(finished_minutes, redis_url)
    minutes = await asyncio.to_thread(stored, Resolution.MINUTE)
    assert {m: c for m, (c, _) in minutes.items() if c} == dict(expected["completed"])
    assert {m: f for m, (_, f) in minutes.items() if f} == dict(expected["failed"])
    # Wait and run times of every job, in the histograms.
    rows = await asyncio.to_thread(store.read, "bullmq", QUEUE, Resolution.HOUR, 0)
    assert sum(sum(r.run.values()) for r in rows) == 49
    assert sum(sum(r.wait.values()) for r in rows) == 49
    assert recorder().time_reads >= 1


def test_the_workers_own_counts_fill_the_charts(
    bullmq_backend: Any, redis_url: str, node_modules: Any
) -> None:
    """A Node worker with the ``metrics`` option, and no board reading meanwhile: the charts
    show its own per-minute counts (mapped to wall time through ``prevTS``)."""
    from queues.history.series import Range, queue_series
    from tests.fixtures_bullmq import run_node

    run_node("metrics_run.mjs", redis_url, "native-metrics", "7", "3", "0")
    for chosen in Range:
        series = asyncio.run(queue_series(bullmq_backend, "native-metrics", chosen))
        assert series.native and (series.completed, series.failed) == (7, 3), chosen
        assert series.points[-1].completed + series.points[-2].completed == 7
