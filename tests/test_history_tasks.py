"""The metrics history from a real django-tasks-db worker: when the reader's poller sees the
finished counts grow, the recorder reads the tasks finished since its last read (one query),
counting each in the minute of its own ``finished_at`` with its wait and run times, whether
its queue is watched or not."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer

from queues.history import store
from queues.history.buckets import Resolution
from tests import sample_tasks
from tests.live_helpers import use_live

pytestmark = pytest.mark.django_db(transaction=True)
QUEUE = "history-tasks"


@pytest.fixture
def history(settings: Any, tasks_settings: dict[str, Any]) -> None:
    use_live(settings)
    settings.QUEUEBOARD = {"HISTORY_FLUSH_SECONDS": 0.2}


def run_worker() -> None:
    """django-tasks-db's worker until no task is ready, in a thread (no signal handlers)."""
    from django.db import close_old_connections
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=[QUEUE],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="history-worker",
        excluded_queue_names=[],
    )
    try:
        worker.run()
    finally:
        close_old_connections()


def enqueue(ok: int, failing: int) -> None:
    for n in range(ok):
        sample_tasks.add.using(queue_name=QUEUE).enqueue(n, 1)
    for _ in range(failing):
        sample_tasks.fail.using(queue_name=QUEUE).enqueue("planned")


def finished_minutes() -> dict[str, Counter[int]]:
    from django_tasks_db.models import DBTaskResult

    result: dict[str, Counter[int]] = {"SUCCESSFUL": Counter(), "FAILED": Counter()}
    for status, finished in DBTaskResult.objects.filter(queue_name=QUEUE).values_list(
        "status", "finished_at"
    ):
        if status in result and finished is not None:
            result[status][int(finished.timestamp()) // 60 * 60] += 1
    return result


def stored() -> list[store.Row]:
    return store.read("tasks", QUEUE, Resolution.MINUTE, 0)


async def wait_until(check: Any, wait: float = 30) -> None:
    async with asyncio.timeout(wait):
        while not await check():  # noqa: ASYNC110 - polling state, not an event
            await asyncio.sleep(0.05)


async def scenario(watched: bool) -> None:
    from queues.live.options import live_options
    from queues.live.reader import Reader

    await asyncio.to_thread(enqueue, 1, 0)  # the queue exists before the first read
    reader = Reader(InMemoryChannelLayer(), live_options())
    if watched:
        reader.watches.touch("tasks", QUEUE, None)
    task = asyncio.create_task(reader.run())
    try:

        async def listed() -> bool:
            if task.done():
                task.result()
            return reader.publisher.sent.get("qb.queue", 0) >= 1

        await wait_until(listed)
        await asyncio.to_thread(enqueue, 8, 3)
        await asyncio.to_thread(run_worker)

        async def written() -> bool:
            rows = await asyncio.to_thread(stored)
            return (sum(r.completed for r in rows), sum(r.failed for r in rows)) == (9, 3)

        try:
            await wait_until(written)
        except TimeoutError:
            rows = await asyncio.to_thread(stored)
            raise AssertionError([(r.start, r.completed, r.failed) for r in rows]) from None
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@pytest.mark.parametrize("watched", [False, True], ids=["unwatched", "watched"])
def test_a_tasks_worker_counted_per_minute(history: None, watched: bool) -> None:
    asyncio.run(scenario(watched))
    rows = stored()
    expected = finished_minutes()
    assert sum(expected["SUCCESSFUL"].values()) == 9
    # Each minute holds exactly the tasks whose own finished_at falls in it.
    assert {r.start: r.completed for r in rows if r.completed} == dict(expected["SUCCESSFUL"])
    assert {r.start: r.failed for r in rows if r.failed} == dict(expected["FAILED"])
    # Every finished task's wait and run time, read by finish time (one query per write),
    # whether or not its queue was watched.
    assert sum(sum(r.run.values()) for r in rows) == 12
    assert sum(sum(r.wait.values()) for r in rows) == 12
