"""A queue created after the overview loaded appears on it live (only for users who may see
it), and the job page's actions and attempts follow the job's state."""

from __future__ import annotations

import asyncio
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
from tests.test_live_tasks import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live(settings: Any, tasks_settings: dict[str, Any]) -> None:
    use_live(settings)
    settings.QUEUEBOARD = {"ACCESS": "tests.access_rules.members_of_ops"}  # no "secret"


def enqueue(queue: str) -> str:
    return str(sample_tasks.add.using(queue_name=queue).enqueue(1, 1).id)


async def listed(alias: str = "tasks", wait: float = 8) -> None:
    """Wait until the reader has listed the backend's queues once (later ones are new)."""
    import time

    from queues.live import leader

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        service = leader.current()
        if service is not None and service.reader is not None:
            if alias in service.reader.publisher._listed:
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the reader never listed the queues")


async def followed(queue: str, job_id: str, alias: str = "tasks", wait: float = 8) -> None:
    """Wait until the reader has read the watched job once: it reports changes from then on."""
    import time

    from queues.live import leader

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        service = leader.current()
        if service is not None and service.reader is not None:
            follower = service.reader.followers.get(alias)
            if (queue, job_id) in getattr(follower, "_jobs", {}):
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the reader never read the watched job")


def test_a_new_queue_appears_on_the_overview_in_name_order(live: Any, staff_user: Any) -> None:
    cookie = session_cookie(staff_user)
    enqueue("a-old")
    enqueue("c-old")

    async def scenario() -> None:
        comm = communicator("/ws/", cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: groups.queue_row_id("tasks", "c-old") in content(m))
            await listed()
            await asyncio.to_thread(enqueue, "secret")
            await asyncio.to_thread(enqueue, "b-<new>")
            message = await receive_until(comm, lambda m: "added" in m.get("qb", {}))
            added = message["qb"]["added"]
            assert added["section"] == "backend-tasks"
            assert added["before"] == groups.queue_row_id("tasks", "c-old")
            row = added["row"]
            assert f'id="{groups.queue_row_id("tasks", "b-<new>")}"' in row
            assert 'data-queue="b-&lt;new&gt;"' in row
            assert "hx-swap-oob" not in row
            # The new queue's counts follow, as the other rows' do.
            await asyncio.to_thread(enqueue, "b-<new>")
            row_id = groups.queue_row_id("tasks", "b-<new>")
            grown = await receive_until(comm, lambda m: row_id in content(m))
            assert 'hx-swap-oob="true"' in content(grown)
            # Nothing about the forbidden queue, then or since.
            await asyncio.to_thread(enqueue, "secret")
            await asyncio.to_thread(enqueue, "a-old")
            rest: list[str] = []
            a_old = groups.queue_row_id("tasks", "a-old")
            await receive_until(comm, lambda m: rest.append(str(m)) is None and a_old in str(m))
            text = str(message) + str(grown) + "".join(rest)
            assert "secret" not in text
            assert groups.queue_row_id("tasks", "secret") not in text
        finally:
            await comm.disconnect()
            await stop_live()

    asyncio.run(scenario())


def test_job_page_actions_and_attempts_follow_the_state(
    live: Any, staff_user: Any, django_user_model: Any
) -> None:
    """Each viewer gets the buttons its user may use: an operator's Retry comes and goes with
    the state; a viewer without permissions never gets one."""
    from queues.backends import backends
    from queues.backends.actions import JobAction

    operator = django_user_model.objects.create_superuser("operator", "o@example.com", "pw")
    cookie, viewer_cookie = session_cookie(operator), session_cookie(staff_user)
    job_id = str(sample_tasks.fail.using(queue_name="jobs").enqueue().id)
    run_worker("jobs")

    async def scenario() -> None:
        comm = communicator(f"/ws/queue/tasks/jobs/job/{job_id}/", cookie)
        viewer = communicator(f"/ws/queue/tasks/jobs/job/{job_id}/", viewer_cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            assert (await viewer.connect(timeout=5))[0]
            seen = content(await receive_until(viewer, lambda m: "job-actions" in content(m)))
            assert "<button" not in seen
            snapshot = content(await receive_until(comm, lambda m: "job-actions" in content(m)))
            assert 'id="job-actions" role="group" aria-label="Job actions" hx-swap-oob="true"' in (
                snapshot
            )
            assert ">Retry</button>" in snapshot
            assert 'name="csrfmiddlewaretoken" value="live"' in snapshot
            assert 'id="job-attempts" hx-swap-oob="true">1' in snapshot
            # A change before the reader's first reading of the job would be its baseline.
            await followed("jobs", job_id)
            await backends["tasks"].act_on_jobs("jobs", JobAction.RETRY, [job_id])
            retried = content(await receive_until(comm, lambda m: ">Waiting</span>" in content(m)))
            assert 'id="job-actions"' in retried
            assert ">Retry</button>" not in retried
            assert ">Remove</button>" in retried
            await asyncio.to_thread(run_worker, "jobs")
            failed = content(await receive_until(comm, lambda m: ">Failed</span>" in content(m)))
            assert ">Retry</button>" in failed
            assert 'id="job-attempts" hx-swap-oob="true">2' in failed
            seen = content(await receive_until(viewer, lambda m: ">Failed</span>" in content(m)))
            assert 'id="job-attempts" hx-swap-oob="true">2' in seen
            assert "<button" not in seen
        finally:
            await viewer.disconnect()
            await comm.disconnect()
            await stop_live()

    asyncio.run(scenario())
