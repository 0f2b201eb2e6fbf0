"""Django Tasks lists live: rows entering a watched queue's lists and leaving them, from the
poller's reads of each state's first page (no events)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from queues.live import groups
from tests import sample_tasks
from tests.live_helpers import (
    communicator,
    content,
    receive_until,
    session_cookie,
    stop_live,
    use_live,
)

pytestmark = pytest.mark.django_db(transaction=True)
QUEUE = "live-tasks"


@pytest.fixture
def live(settings: Any, tasks_settings: dict[str, Any]) -> None:
    use_live(settings)


def run_worker(queue: str = QUEUE) -> None:
    """django-tasks-db's worker until no task is ready, without its signal handlers (which only
    the main thread may install): it runs in a thread while the test's loop keeps receiving."""
    from django.db import close_old_connections
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=[queue],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="live-worker",
        excluded_queue_names=[],
    )
    try:
        worker.run()
    finally:
        close_old_connections()


def enqueue(*args: Any) -> str:
    return str(sample_tasks.add.using(queue_name=QUEUE).enqueue(*args).id)


async def first_pages_read(wait: float = 8) -> None:
    """Wait until the reader's poller has read the watched queue's first pages once."""
    from queues.live import leader

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        service = leader.current()
        reader = service.reader if service is not None else None
        poller: Any = reader.followers.get("tasks") if reader is not None else None
        if poller is not None and QUEUE in poller._tops:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the poller never read the watched queue")


def moved_to(message: dict[str, Any], job_id: str) -> list[str] | None:
    for moved_id, states in message.get("qb", {}).get("moved", []):
        if moved_id == job_id:
            return list(states)
    return None


def test_new_tasks_enter_the_list_and_leave_it_when_they_run(live: Any, staff_user: Any) -> None:
    cookie = session_cookie(staff_user)
    first = enqueue(1, 1)

    async def scenario() -> None:
        comm = communicator(f"/ws/queue/tasks/{QUEUE}/", cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: "qb-tab-count-waiting" in content(m))
            await first_pages_read()
            second = await asyncio.to_thread(enqueue, 2, 2)
            added = await receive_until(
                comm, lambda m: m.get("qb", {}).get("rows", {}).get("waiting", "") != ""
            )
            assert added["qb"]["entered"]["waiting"] >= 1
            rows = added["qb"]["rows"]["waiting"]
            assert f'data-job-id="{second}"' in rows
            assert f'data-job-id="{first}"' not in rows
            assert 'id="qb-tab-count-waiting" hx-swap-oob="true">2<' in content(added)

            await asyncio.to_thread(run_worker)
            done = await receive_until(
                comm,
                lambda m: (
                    moved_to(m, first) == ["completed"] and moved_to(m, second) == ["completed"]
                ),
            )
            assert 'id="qb-tab-count-completed" hx-swap-oob="true">2<' in content(done)
            assert 'id="qb-tab-count-waiting" hx-swap-oob="true">0<' in content(done)
            assert f'data-job-id="{first}"' in done["qb"]["rows"]["completed"]
        finally:
            await comm.disconnect()
            await stop_live()

    asyncio.run(scenario())


def test_a_retried_task_leaves_the_failed_list(live: Any, staff_user: Any) -> None:
    from queues.backends import backends
    from queues.backends.actions import JobAction

    cookie = session_cookie(staff_user)
    failed = str(sample_tasks.fail.using(queue_name=QUEUE).enqueue().id)
    run_worker()

    async def scenario() -> None:
        comm = communicator(f"/ws/queue/tasks/{QUEUE}/", cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: "qb-tab-count-failed" in content(m))
            await first_pages_read()
            await backends["tasks"].act_on_jobs(QUEUE, JobAction.RETRY, [failed])
            retried = await receive_until(comm, lambda m: moved_to(m, failed) is not None)
            assert moved_to(retried, failed) == ["waiting"]
            assert 'id="qb-tab-count-failed" hx-swap-oob="true">0<' in content(retried)
        finally:
            await comm.disconnect()
            await stop_live()

    asyncio.run(scenario())


def test_the_overview_of_tasks_gets_no_rows(live: Any, staff_user: Any) -> None:
    """Rows go to the queue's group only; the overview shows counts (its row) only."""
    cookie = session_cookie(staff_user)
    enqueue(1, 2)

    async def scenario() -> None:
        comm = communicator("/ws/", cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            row_id = groups.queue_row_id("tasks", QUEUE)
            await receive_until(comm, lambda m: row_id in content(m))
            await asyncio.to_thread(enqueue, 5, 5)
            grown = await receive_until(comm, lambda m: row_id in content(m))
            assert "qb" not in grown
        finally:
            await comm.disconnect()
            await stop_live()

    asyncio.run(scenario())
