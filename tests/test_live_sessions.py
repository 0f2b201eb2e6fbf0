"""Open sockets follow their session and user (issue 10, F10.6): a logout closes the session's
sockets at once, and a user deactivated, no longer staff or without a permission they had is
noticed within ``RECHECK`` seconds; a closed socket gets no further job data."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from bullmq import Queue
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Permission
from django.test import AsyncClient
from django.urls import reverse

from queues.live.consumers import ACCESS_REVOKED, RECONNECT, SESSION_ENDED
from tests.bullmq_producers import opts
from tests.live_helpers import (
    communicator,
    content,
    receive_until,
    session_cookie,
    stop_live,
    use_live,
)

pytestmark = pytest.mark.django_db(transaction=True)
RECHECK = 0.3


@pytest.fixture
def live(settings: Any, bullmq_settings: dict[str, Any]) -> dict[str, Any]:
    use_live(settings, recheck=RECHECK)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    return bullmq_settings


async def closed_with(comm: WebsocketCommunicator, wait: float = 5) -> int:
    """The code the socket is closed with (texts before it are skipped); fails after ``wait``."""
    while True:
        output = await comm.receive_output(timeout=wait)
        if output["type"] == "websocket.close":
            return int(output.get("code", 1000))


async def log_out(cookie: str) -> None:
    """POST the site's logout with the session ``cookie``, as the browser's Log out button."""
    client = AsyncClient()
    client.cookies["sessionid"] = cookie
    response = await client.post(reverse("logout"))
    assert response.status_code in (200, 302), response.status_code


def test_logout_closes_the_sessions_sockets_and_no_job_data_follows(
    live: Any, staff_user: Any, redis_url: str
) -> None:
    cookie, other_session = session_cookie(staff_user), session_cookie(staff_user)

    async def scenario() -> None:
        queue = Queue("after", opts(redis_url))
        await queue.add("before", {})
        comm = communicator("/ws/queue/bullmq/after/", cookie)
        other = communicator("/ws/queue/bullmq/after/", other_session)
        try:
            assert (await comm.connect(timeout=5))[0]
            assert (await other.connect(timeout=5))[0]
            await receive_until(comm, lambda m: "qb-tab-count-waiting" in content(m))
            await receive_until(other, lambda m: "qb-tab-count-waiting" in content(m))
            await log_out(cookie)
            assert await closed_with(comm) == SESSION_ENDED
            await queue.add("secret-after-logout", {"card": "4111"})
            # The other session is still logged in: its socket stays and gets the new job.
            await receive_until(other, lambda m: "entered" in m.get("qb", {}))
            assert await comm.receive_nothing(timeout=0.5)
        finally:
            await comm.disconnect()
            await other.disconnect()
            await stop_live()
            await queue.close()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("change", "code"),
    [({"is_active": False}, SESSION_ENDED), ({"is_staff": False}, ACCESS_REVOKED)],
)
def test_a_user_who_loses_access_is_closed_within_the_recheck(
    live: Any, staff_user: Any, redis_url: str, change: dict[str, bool], code: int
) -> None:
    cookie = session_cookie(staff_user)

    async def scenario() -> None:
        queue = Queue("revoked", opts(redis_url))
        await queue.add("one", {})
        comm = communicator("/ws/queue/bullmq/revoked/", cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: "qb-tab-count-waiting" in content(m))
            for name, value in change.items():
                setattr(staff_user, name, value)
            await sync_to_async(staff_user.save)()
            assert await closed_with(comm, wait=RECHECK + 3) == code
            await queue.add("two", {})
            assert await comm.receive_nothing(timeout=0.5)
        finally:
            await comm.disconnect()
            await stop_live()
            await queue.close()

    asyncio.run(scenario())


def test_a_job_page_reconnects_when_its_actions_change(
    live: Any, django_user_model: Any, redis_url: str
) -> None:
    user = django_user_model.objects.create_user("operator", password="pw", is_staff=True)
    retry = Permission.objects.get(codename="retry_jobs", content_type__app_label="queues")
    user.user_permissions.add(retry)
    cookie = session_cookie(user)

    async def scenario() -> None:
        queue = Queue("acting", opts(redis_url))
        job = await queue.add("one", {})
        comm = communicator(f"/ws/queue/bullmq/acting/job/{job.id}/", cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: 'id="job-state"' in content(m))
            await sync_to_async(user.user_permissions.remove)(retry)
            assert await closed_with(comm, wait=RECHECK + 3) == RECONNECT
        finally:
            await comm.disconnect()
            await stop_live()
            await queue.close()

    asyncio.run(scenario())


def test_a_user_who_keeps_access_stays_connected(
    live: Any, staff_user: Any, redis_url: str
) -> None:
    cookie = session_cookie(staff_user)

    async def scenario() -> None:
        queue = Queue("kept", opts(redis_url))
        await queue.add("one", {})
        comm = communicator("/ws/queue/bullmq/kept/", cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: "qb-tab-count-waiting" in content(m))
            await asyncio.sleep(RECHECK * 4)  # several re-checks
            await queue.add("two", {})
            await receive_until(comm, lambda m: "entered" in m.get("qb", {}))
        finally:
            await comm.disconnect()
            await stop_live()
            await queue.close()

    asyncio.run(scenario())
