"""RQ live: no change feed, so the board's default poller follows it through the base
interface; a job enqueued by RQ enters the open queue's list, and leaves it for the finished
list when a real RQ worker runs it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import redis

from tests.fixtures_rq import run_burst_worker
from tests.live_helpers import (
    communicator,
    content,
    receive_until,
    session_cookie,
    stop_live,
    use_live,
)

pytestmark = pytest.mark.django_db(transaction=True)
QUEUE = "live-rq"


def enqueue(url: str, job_id: str) -> None:
    from rq import Queue
    from rq.serializers import JSONSerializer

    client = redis.Redis.from_url(url)
    Queue(QUEUE, connection=client, serializer=JSONSerializer).enqueue(
        "tests.rq_jobs.add", 1, 2, job_id=job_id
    )
    client.close()


async def first_pages_read(wait: float = 15, queue: str = QUEUE) -> None:
    from queues.live import leader

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        service = leader.current()
        reader = service.reader if service is not None else None
        poller: Any = reader.followers.get("rq") if reader is not None else None
        if poller is not None and queue in getattr(poller, "_tops", {}):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the poller never read the watched queue")


def moved_to(message: dict[str, Any], job_id: str) -> list[str] | None:
    for moved_id, states in message.get("qb", {}).get("moved", []):
        if moved_id == job_id:
            return list(states)
    return None


def test_rq_jobs_enter_and_leave_lists_live(
    settings: Any, rq_backend: Any, redis_url: str, staff_user: Any
) -> None:
    use_live(settings)
    cookie = session_cookie(staff_user)
    enqueue(redis_url, "first")

    async def scenario() -> None:
        comm = communicator(f"/ws/queue/rq/{QUEUE}/", cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: "qb-tab-count-waiting" in content(m))
            await first_pages_read()
            await asyncio.to_thread(enqueue, redis_url, "second")
            grown = await receive_until(
                comm, lambda m: 'id="qb-tab-count-waiting" hx-swap-oob="true">2<' in content(m)
            )
            assert grown["qb"]["entered"]["waiting"] >= 1
            await asyncio.to_thread(run_burst_worker, redis_url, QUEUE, json=True)
            finished: set[str] = set()

            def both_finished(message: dict[str, Any]) -> bool:
                finished.update(j for j in ("first", "second") if moved_to(message, j))
                return finished == {"first", "second"} and (
                    'id="qb-tab-count-completed" hx-swap-oob="true">2<' in content(message)
                )

            await receive_until(comm, both_finished, wait=30)
        finally:
            await comm.disconnect()
            await stop_live()

    asyncio.run(scenario())


def test_a_dependency_tree_hears_its_jobs_move_in_other_queues(
    settings: Any, rq_backend: Any, redis_url: str, staff_user: Any
) -> None:
    """The page of a job waiting in "later" follows its tree: the job it waits for, in "etl",
    finishing under a real worker reaches the page as a flow move."""
    from rq import Queue

    from queues.live import groups

    use_live(settings)
    cookie = session_cookie(staff_user)
    client = redis.Redis.from_url(redis_url)
    first = Queue("etl", connection=client).enqueue("tests.rq_jobs.add", 1, 2, job_id="extract")
    Queue("later", connection=client).enqueue(
        "tests.rq_jobs.add", 3, 4, job_id="load", depends_on=first
    )
    client.close()

    async def scenario() -> None:
        comm = communicator("/ws/queue/rq/later/job/load/", cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: 'id="job-state"' in content(m))
            await first_pages_read(queue="etl")  # the tree's other queue is followed too
            await asyncio.to_thread(run_burst_worker, redis_url, "etl")
            key = groups.flow_node_key("rq", "etl", "extract")
            await receive_until(comm, lambda m: key in m.get("qb", {}).get("flow", []), wait=30)
        finally:
            await comm.disconnect()
            await stop_live()

    asyncio.run(scenario())
