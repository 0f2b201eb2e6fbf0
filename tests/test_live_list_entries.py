"""Live job lists: what the reader says entered each state, for bursts and for every tab."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from bullmq import Queue

from queues.live.feed_follower import FeedFollower
from queues.live.options import LiveOptions
from queues.live.publisher import Publisher
from queues.live.watches import Watches
from queues.states import JobState
from tests.bullmq_producers import opts
from tests.live_helpers import communicator, receive_until, session_cookie, stop_live, use_live

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live(settings: Any, bullmq_settings: dict[str, Any]) -> dict[str, Any]:
    use_live(settings)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    return bullmq_settings


def test_rows_of_a_job_already_below_newer_ones(bullmq_backend: Any, redis_url: str) -> None:
    """Two jobs added at once, their events flushed apart: the first one's flush finds a newer
    job above it and still sends its row (it used to read a page of one row, the newer job's,
    and send nothing, so the page showed "1 new job" and then "2 new jobs")."""

    async def scenario() -> dict[JobState, list[Any]]:
        queue = Queue("burst", opts(redis_url))
        try:
            first = await queue.add("first", {})
            await queue.add("second", {})
            follower = FeedFollower(bullmq_backend, Publisher(None), Watches(5), LiveOptions())
            return await follower._rows("burst", {JobState.WAITING: [first.id]})
        finally:
            await queue.close()

    rows = asyncio.run(scenario())
    assert [job.name for job in rows[JobState.WAITING]] == ["first"]


def test_a_plain_job_enters_waiting_only_and_a_prioritized_one_prioritized_only(
    live: Any, staff_user: Any, redis_url: str
) -> None:
    """A ``waiting`` event does not say waiting or prioritized: the reader finds out, so the
    Prioritized tab shows no phantom "1 new job" for a plain job (nor Waiting for a
    prioritized one)."""
    cookie = session_cookie(staff_user)

    async def scenario() -> list[dict[str, int]]:
        queue = Queue("tabs", opts(redis_url))
        await queue.add("seed", {})
        comm = communicator("/ws/queue/bullmq/tabs/", cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: "qb-tab-count-waiting" in m.get("content", ""))
            await asyncio.sleep(0.5)  # the watch reaches the reader
            entries = []
            await queue.add("plain", {})
            message = await receive_until(comm, lambda m: "entered" in m.get("qb", {}))
            entries.append(message["qb"]["entered"])
            await queue.add("urgent", {}, {"priority": 3})
            message = await receive_until(comm, lambda m: "entered" in m.get("qb", {}))
            entries.append(message["qb"]["entered"])
            return entries
        finally:
            await comm.disconnect()
            await stop_live()
            await queue.close()

    plain, urgent = asyncio.run(scenario())
    assert plain == {"waiting": 1}
    assert urgent == {"prioritized": 1}
