"""The sidebar's failed counts follow live updates on every page that shows it: the counts of
the queues it lists, carried by their queue messages, never another queue's tabs."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from queues.live import groups
from tests import sample_tasks
from tests.live_helpers import communicator, content, receive_until, session_cookie, stop_live
from tests.live_helpers import use_live as use_live_settings
from tests.test_live_tasks import run_worker

pytestmark = pytest.mark.django_db(transaction=True)
SHOWN, OTHER = "sidebar-shown", "sidebar-other"


@pytest.fixture
def live(settings: Any, tasks_settings: dict[str, Any]) -> None:
    use_live_settings(settings)


def failed_count(queue: str, n: int) -> re.Pattern[str]:
    return re.compile(rf'id="{groups.sidebar_count_id("tasks", queue)}"[^>]*>{n}<')


@pytest.mark.parametrize(
    "path",
    ["/ws/", f"/ws/queue/tasks/{SHOWN}/", "/ws/queue/tasks/{SHOWN}/job/{job}/"],
    ids=["overview", "queue", "job"],
)
def test_another_queues_failed_count_follows_live(live: Any, staff_user: Any, path: str) -> None:
    cookie = session_cookie(staff_user)
    job = sample_tasks.add.using(queue_name=SHOWN).enqueue(1, 1).id
    sample_tasks.add.using(queue_name=OTHER).enqueue(1, 1)
    path = path.replace("{SHOWN}", SHOWN).replace("{job}", str(job))

    async def scenario() -> None:
        comm = communicator(path, cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            snapshot = content(await receive_until(comm, lambda m: bool(content(m))))
            assert failed_count(OTHER, 0).search(snapshot)
            await asyncio.to_thread(lambda: sample_tasks.fail.using(queue_name=OTHER).enqueue())
            await asyncio.to_thread(run_worker, OTHER)
            pushed = await receive_until(
                comm, lambda m: bool(failed_count(OTHER, 1).search(content(m)))
            )
            # Another queue's message: its count in the sidebar, never its tabs on this page.
            assert "qb-tab-count-" not in content(pushed)
            assert "moved" not in pushed.get("qb", {})
        finally:
            await comm.disconnect()
            await stop_live()

    asyncio.run(scenario())
