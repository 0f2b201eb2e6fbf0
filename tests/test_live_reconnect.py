"""Resilience: Redis restarting under the reader, and a client losing its connection."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from bullmq import Queue

from tests.live_helpers import (
    communicator,
    content,
    receive_until,
    session_cookie,
    stop_live,
    use_live,
)
from tests.redis_server import RedisServer

pytestmark = pytest.mark.django_db(transaction=True)
WAITING = 'id="qb-tab-count-waiting" hx-swap-oob="true">{}<'


@pytest.fixture
def live(settings: Any, bullmq_settings: dict[str, Any]) -> dict[str, Any]:
    use_live(settings, max_backoff=0.5)
    return bullmq_settings


def test_reader_reconnects_after_redis_restarts_and_clients_resync(
    live: Any, staff_user: Any, redis_server: RedisServer, redis_url: str
) -> None:
    cookie = session_cookie(staff_user)
    opts = {"connection": redis_url, "prefix": "bull"}

    async def scenario() -> None:
        queue = Queue("phoenix", opts)
        await queue.add("a", {})
        await queue.close()
        comm = communicator("/ws/queue/bullmq/phoenix/", cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: WAITING.format(1) in content(m))
            await asyncio.sleep(0.5)
            await asyncio.to_thread(redis_server.restart)  # empty: no persistence
            # The reader reconnects, tells clients to resync and sends the counts it reads.
            await receive_until(comm, lambda m: m.get("qb", {}).get("resync") is True, wait=15)
            queue = Queue("phoenix", opts)
            try:
                for _ in range(3):
                    await queue.add("b", {})
                await receive_until(comm, lambda m: WAITING.format(3) in content(m), wait=15)
                await queue.add("c", {})
                await receive_until(comm, lambda m: WAITING.format(4) in content(m))
            finally:
                await queue.close()
        finally:
            await comm.disconnect()
            await stop_live()

    asyncio.run(scenario())


def test_a_reconnecting_client_gets_a_fresh_snapshot(
    live: Any, staff_user: Any, redis_url: str
) -> None:
    """What happened while a client was away comes with its next connection."""
    cookie = session_cookie(staff_user)
    opts = {"connection": redis_url, "prefix": "bull"}

    async def scenario() -> None:
        queue = Queue("away", opts)
        await queue.add("a", {})
        try:
            comm = communicator("/ws/queue/bullmq/away/", cookie)
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: WAITING.format(1) in content(m))
            await comm.disconnect()
            for _ in range(4):
                await queue.add("b", {})
            comm = communicator("/ws/queue/bullmq/away/", cookie)
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: WAITING.format(5) in content(m), wait=3)
            await comm.disconnect()
        finally:
            await queue.close()
            await stop_live()

    asyncio.run(scenario())
