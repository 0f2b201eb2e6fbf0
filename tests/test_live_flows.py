"""A job page of a flow hears of its tree's jobs moving in other queues, never of hidden ones."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from bullmq import Queue, Worker

from queues.live import groups
from tests.bullmq_producers import opts
from tests.live_helpers import (
    communicator,
    content,
    receive_until,
    session_cookie,
    stop_live,
    use_live,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.node]


@pytest.fixture
def live(settings: Any, bullmq_settings: dict[str, Any]) -> dict[str, Any]:
    use_live(settings)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    return bullmq_settings


def moves_heard(
    cookie: str,
    redis_url: str,
    leaf: str | Callable[[], str],
    wait: float,
    settle: float = 0.5,
) -> list[str]:
    """The flow keys a leaf's page is told of in ``wait`` s while a worker runs flow-b's jobs.

    ``leaf`` a callable: the reader starts first (an overview lists the queues of that time),
    then the callable makes the flow and names its leaf. ``settle``: seconds between the
    page's snapshot and the worker's start.
    """

    async def scenario() -> list[str]:
        overview = communicator("/ws/", cookie)
        if callable(leaf):
            early = Queue("early", opts(redis_url))
            await early.add("first", {})
            await early.close()
            assert (await overview.connect(timeout=5))[0]  # the reader lists "early" only
            await receive_until(overview, lambda m: "early" in content(m))
            leaf_id = await asyncio.to_thread(leaf)
        else:
            leaf_id = leaf
        comm = communicator(f"/ws/queue/bullmq/flow-a/job/{leaf_id}/", cookie)
        heard: list[str] = []
        try:
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: 'id="job-state"' in m.get("content", ""))
            await asyncio.sleep(settle)  # the watch reaches the reader

            async def work(job: Any, token: str) -> Any:
                return "done"

            worker = Worker("flow-b", work, {**opts(redis_url), "drainDelay": 1})
            try:
                # No receive may time out: the communicator would cancel the consumer.
                await asyncio.sleep(wait)
                while not await comm.receive_nothing(timeout=0.2):
                    message = json.loads(await comm.receive_from())
                    heard += message.get("qb", {}).get("flow", [])
            finally:
                await worker.close(force=True)
        finally:
            await comm.disconnect()
            if callable(leaf):
                await overview.disconnect()
            await stop_live()
        return heard

    return asyncio.run(scenario())


def test_a_flow_page_hears_its_jobs_move_in_other_queues(
    live: Any, staff_user: Any, redis_url: str, node_produce: Callable[[str], dict[str, Any]]
) -> None:
    ids = node_produce("deep-flow")
    heard = moves_heard(session_cookie(staff_user), redis_url, ids["leaves"][0], 4)
    middle = {groups.flow_node_key("bullmq", "flow-b", ids[name]) for name in ("mid1", "mid2")}
    assert middle & set(heard)


def test_a_flow_page_hears_queues_made_after_the_reader_listed_the_queues(
    live: Any, staff_user: Any, redis_url: str, node_produce: Callable[[str], dict[str, Any]]
) -> None:
    """The flow's other queue is announced to the reader as the page's own is: its moves
    arrive although discovery (cached 30 s) has not listed that queue yet."""
    assert live["OPTIONS"].get("discovery_ttl", 30) >= 30
    made: dict[str, Any] = {}

    def make_flow() -> str:
        made.update(node_produce("deep-flow"))
        return str(made["leaves"][0])

    heard = moves_heard(session_cookie(staff_user), redis_url, make_flow, 4)
    middle = {groups.flow_node_key("bullmq", "flow-b", made[name]) for name in ("mid1", "mid2")}
    assert middle & set(heard)


def test_moves_made_before_the_reader_follows_the_flows_queue_are_heard(
    live: Any,
    settings: Any,
    staff_user: Any,
    redis_url: str,
    node_produce: Callable[[str], dict[str, Any]],
) -> None:
    """The worker runs flow-b's jobs as soon as the page has its snapshot, well before the
    reader's next poll takes up flow-b (3 s): the reader reads flow-b's stream from before the
    page was read, so the tree still hears its middle jobs move."""
    use_live(settings, poll=3.0)
    made: dict[str, Any] = {}

    def make_flow() -> str:
        made.update(node_produce("deep-flow"))
        return str(made["leaves"][0])

    heard = moves_heard(session_cookie(staff_user), redis_url, make_flow, 6, settle=0)
    middle = {groups.flow_node_key("bullmq", "flow-b", made[name]) for name in ("mid1", "mid2")}
    assert middle & set(heard)


def test_a_flow_page_never_hears_of_hidden_queues(
    live: Any,
    settings: Any,
    staff_user: Any,
    redis_url: str,
    node_produce: Callable[[str], dict[str, Any]],
) -> None:
    ids = node_produce("deep-flow")
    entry = {**live, "HIDDEN_QUEUES": ["flow-b"]}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    heard = moves_heard(session_cookie(staff_user), redis_url, ids["leaves"][0], 4)
    root = groups.flow_node_key("bullmq", "flow-a", ids["root"])
    assert root in heard  # the root, in a queue the user sees, moved when its children ran
    middle = {groups.flow_node_key("bullmq", "flow-b", ids[name]) for name in ("mid1", "mid2")}
    assert not middle & set(heard)
