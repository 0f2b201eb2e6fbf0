"""Schedule pages follow their queues' events: a real Node worker running a schedule's armed
job (the chain advancing) tells the board's Schedules page, a queue's schedules page and the
schedule's own page to fetch their schedule regions again; other jobs moving do not."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from queues.live.schedule_consumers import touches_schedules
from queues.templatetags.queueboard_live import live_socket_path
from tests.live_helpers import communicator, receive_until, session_cookie, stop_live, use_live
from tests.test_bullmq_schedules import Q, node_schedulers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.node]

SID = "every:second/<é>"


@pytest.fixture
def live(settings: Any, bullmq_settings: dict[str, Any]) -> dict[str, Any]:
    use_live(settings)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    return bullmq_settings


def told(cookie: str, path: str) -> dict[str, Any]:
    async def scenario() -> dict[str, Any]:
        comm = communicator(path, cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            return await receive_until(comm, lambda m: m.get("qb", {}).get("schedules"), wait=15)
        finally:
            await comm.disconnect()
            await stop_live()

    return asyncio.run(scenario())


@pytest.mark.parametrize("page", ["schedules", "queue-schedules", "schedule"])
def test_a_schedule_page_hears_the_chain_advance(
    live: Any, staff_user: Any, redis_url: str, node_modules: Any, node_worker: Any, page: str
) -> None:
    node_schedulers(redis_url, [{"id": SID, "repeat": {"every": 1000}, "name": "tick"}])
    args = {"schedules": [], "queue-schedules": ["bullmq", Q], "schedule": ["bullmq", Q, SID]}
    path = live_socket_path(page, *args[page])
    node_worker(Q, concurrency=1)
    message = told(session_cookie(staff_user), path)
    assert message == {"qb": {"schedules": True}}  # nothing else: the page fetches its regions


def test_pages_connect_and_mark_their_live_regions(
    live: Any, staff_client: Client, redis_url: str, node_modules: Any
) -> None:
    node_schedulers(redis_url, [{"id": SID, "repeat": {"every": 60_000}, "name": "tick"}])
    one = reverse("queues:schedule", args=["bullmq", Q, SID])
    board = staff_client.get(reverse("queues:schedules")).content.decode()
    assert 'hx-ws:connect="/ws/schedules/"' in board and "schedules-live.js" in board
    assert (
        f'id="schedules-board" data-qb-schedules-refresh="{reverse("queues:schedules")}"' in board
    )
    page = staff_client.get(one).content.decode()
    assert f'hx-ws:connect="/ws{one}"' in page
    assert f'id="schedule-live" data-qb-schedules-refresh="{one}"' in page
    panel = reverse("queues:queue-schedules", args=["bullmq", Q])
    fragment = staff_client.get(panel, headers={"HX-Request": "true"}).content.decode()
    assert f'data-qb-schedules-refresh="{panel}"' in fragment
    queue_page = staff_client.get(reverse("queues:queue", args=["bullmq", Q])).content.decode()
    assert "schedules-live.js" in queue_page


def test_only_a_schedule_job_moving_counts() -> None:
    assert touches_schedules({"moved": [["repeat:a:b:1700000000000", ["active"]]]})
    assert not touches_schedules({"moved": [["42", ["active"]], ["repeatable", []]]})
    assert not touches_schedules({"row": "<tr>"})
