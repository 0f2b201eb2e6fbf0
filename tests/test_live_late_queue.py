"""A queue created after the live reader listed the queues gets live updates on its page at
once, not only when discovery's cache (``discovery_ttl``, 30 s by default) runs out."""

from __future__ import annotations

import asyncio
import re
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

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_queue_created_after_the_reader_started_is_followed_when_viewed(
    settings: Any, bullmq_settings: dict[str, Any], staff_user: Any, redis_url: str
) -> None:
    use_live(settings)
    assert bullmq_settings["OPTIONS"].get("discovery_ttl", 30) >= 30  # the default cache
    cookie = session_cookie(staff_user)
    options = {"connection": redis_url, "prefix": "bull"}

    async def scenario() -> None:
        early = Queue("early", options)
        await early.add("first", {})
        overview = communicator("/ws/", cookie)
        late = Queue("late", options)
        comm = communicator("/ws/queue/bullmq/late/", cookie)
        try:
            assert (await overview.connect(timeout=5))[0]  # the reader starts, lists "early"
            await receive_until(overview, lambda m: "early" in content(m))
            await late.add("one", {})
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: "qb-tab-count-waiting" in content(m))
            await asyncio.sleep(0.5)  # the watch reaches the reader
            await late.add("two", {})
            update = await receive_until(
                comm, lambda m: 'id="qb-tab-count-waiting" hx-swap-oob="true">2<' in content(m)
            )
            assert re.search(r"qb-tab-count-waiting", content(update))
        finally:
            await comm.disconnect()
            await overview.disconnect()
            await stop_live()
            await early.close()
            await late.close()

    asyncio.run(scenario())
