"""A hidden queue cannot be told from a missing one over WebSocket (issue 10, F10.9): both
handshakes are refused, with the same answer, for queue and job sockets alike."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from bullmq import Queue

from tests.live_helpers import communicator, session_cookie, stop_live, use_live

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live(settings: Any, bullmq_settings: dict[str, Any]) -> None:
    use_live(settings)
    entry = {**bullmq_settings, "HIDDEN_QUEUES": ["secret"]}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}


def answers(paths: list[str], cookie: str, redis_url: str) -> list[tuple[bool, Any]]:
    """What each handshake gets: (accepted, close code or subprotocol)."""

    async def scenario() -> list[tuple[bool, Any]]:
        secret, shown = (
            Queue("secret", {"connection": redis_url}),
            Queue("shown", {"connection": redis_url}),
        )
        await secret.add("a", {})
        await shown.add("a", {})
        results = []
        try:
            for path in paths:
                comm = communicator(path, cookie)
                try:
                    results.append(await comm.connect(timeout=5))
                finally:
                    await comm.disconnect()
        finally:
            await stop_live()
            await secret.close()
            await shown.close()
        return results

    return asyncio.run(scenario())


def test_hidden_and_missing_queues_answer_alike(live: Any, staff_user: Any, redis_url: str) -> None:
    hidden, missing, shown = answers(
        ["/ws/queue/bullmq/secret/", "/ws/queue/bullmq/missing/", "/ws/queue/bullmq/shown/"],
        session_cookie(staff_user),
        redis_url,
    )
    assert hidden == missing
    assert hidden[0] is False
    assert shown[0] is True


def test_hidden_and_missing_queues_answer_alike_for_job_sockets(
    live: Any, staff_user: Any, redis_url: str
) -> None:
    hidden, missing = answers(
        ["/ws/queue/bullmq/secret/job/1/", "/ws/queue/bullmq/missing/job/1/"],
        session_cookie(staff_user),
        redis_url,
    )
    assert hidden == missing
    assert hidden[0] is False
