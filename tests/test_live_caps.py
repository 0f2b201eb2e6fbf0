"""Sockets are bounded (issue 10, F10.7): at most ``MAX_SOCKETS`` per user and process, and
none for a job that does not exist (each open job socket costs the reader a watch)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from bullmq import Queue
from channels.testing import WebsocketCommunicator

from tests.bullmq_producers import opts
from tests.live_helpers import communicator, session_cookie, stop_live, use_live

pytestmark = pytest.mark.django_db(transaction=True)
CAP = 3


@pytest.fixture
def live(settings: Any, bullmq_settings: dict[str, Any]) -> dict[str, Any]:
    use_live(settings, max_sockets=CAP)
    return bullmq_settings


async def connected(comm: WebsocketCommunicator) -> bool:
    return bool((await comm.connect(timeout=5))[0])


def test_a_user_holds_at_most_max_sockets_per_process(
    live: Any, staff_user: Any, django_user_model: Any
) -> None:
    other = django_user_model.objects.create_user("other", password="pw", is_staff=True)
    cookie, second_session, other_cookie = (
        session_cookie(staff_user),
        session_cookie(staff_user),
        session_cookie(other),
    )

    async def scenario() -> None:
        comms = [communicator("/ws/", cookie) for _ in range(CAP)]
        over = communicator("/ws/", second_session)  # another session of the same user
        others = communicator("/ws/", other_cookie)
        again = communicator("/ws/", cookie)
        try:
            for comm in comms:
                assert await connected(comm)
            assert not await connected(over)
            assert await connected(others)  # the cap is the user's, not the process's
            await comms[0].disconnect()
            assert await connected(again)  # a closed socket gives its place back
        finally:
            for comm in [*comms[1:], over, others, again]:
                await comm.disconnect()
            await stop_live()

    asyncio.run(scenario())


def test_no_socket_for_a_job_that_does_not_exist(
    live: Any, staff_user: Any, redis_url: str
) -> None:
    cookie = session_cookie(staff_user)

    async def scenario() -> None:
        queue = Queue("jobs", opts(redis_url))
        job = await queue.add("real", {})
        real = communicator(f"/ws/queue/bullmq/jobs/job/{job.id}/", cookie)
        missing = [communicator(f"/ws/queue/bullmq/jobs/job/{n}/", cookie) for n in (999, 1000)]
        try:
            assert await connected(real)
            for comm in missing:
                assert not await connected(comm)
        finally:
            for comm in [real, *missing]:
                await comm.disconnect()
            await stop_live()
            await queue.close()

    asyncio.run(scenario())
