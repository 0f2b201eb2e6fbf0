"""Celery live: no change feed, so the board's default poller follows it; waiting tasks are
counted only, so a task sent by a real Celery producer moves the open queue's count, and a
real worker taking it moves it back, without a list ever being read."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.fixtures_celery import RESULT_TIMEOUT, producer, start_worker, stop_worker
from tests.live_helpers import (
    communicator,
    content,
    receive_until,
    session_cookie,
    stop_live,
    use_live,
)

pytestmark = pytest.mark.django_db(transaction=True)
QUEUE = "live-celery"


def send(url: str, task_id: str) -> Any:
    app = producer(url)
    result = app.send_task("tests.add", (1, 2), queue=QUEUE, task_id=task_id)
    app.close()
    return result


def tab_count(number: int) -> Any:
    return lambda m: f'id="qb-tab-count-waiting" hx-swap-oob="true">{number}<' in content(m)


def test_celery_counts_move_live(
    settings: Any, celery_backend: Any, redis_url: str, staff_user: Any
) -> None:
    use_live(settings)
    cookie = session_cookie(staff_user)
    send(redis_url, "first")

    async def scenario() -> None:
        comm = communicator(f"/ws/queue/celery/{QUEUE}/", cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: "qb-tab-count-waiting" in content(m))
            await asyncio.to_thread(send, redis_url, "second")
            await receive_until(comm, tab_count(2), wait=20)
            worker = await asyncio.to_thread(start_worker, redis_url, QUEUE, name="live")
            try:
                app = producer(redis_url)
                for task_id in ("first", "second"):
                    result = app.AsyncResult(task_id)
                    await asyncio.to_thread(result.get, timeout=RESULT_TIMEOUT)
                app.close()
                await receive_until(comm, tab_count(0), wait=20)
            finally:
                await asyncio.to_thread(stop_worker, worker)
        finally:
            await comm.disconnect()
            await stop_live()

    asyncio.run(scenario())
