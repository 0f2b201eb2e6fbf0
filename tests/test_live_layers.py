"""Live updates in a site without ``CHANNEL_LAYERS`` (issue 9, finding 3): the app's own
in-memory layer serves one process out of the box, ``manage.py check`` says so, and a layer
that cannot be made closes the socket cleanly (the page polls) instead of a 500."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from bullmq import Queue
from django.core.checks import run_checks

from tests.live_helpers import (
    communicator,
    content,
    receive_until,
    session_cookie,
    stop_live,
    use_live,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live(settings: Any, bullmq_settings: dict[str, Any]) -> dict[str, Any]:
    use_live(settings)
    return bullmq_settings


def live_check_ids() -> list[str]:
    return [
        m.id for m in run_checks(tags=["queueboard"]) if m.id and m.id.startswith("queueboard.W2")
    ]


def test_without_channel_layers_a_socket_connects_and_gets_its_snapshot(
    live: Any, settings: Any, staff_user: Any, redis_url: str
) -> None:
    del settings.CHANNEL_LAYERS
    cookie = session_cookie(staff_user)

    async def scenario() -> None:
        queue = Queue("plain", {"connection": redis_url, "prefix": "bull"})
        await queue.add("one", {})
        comm = communicator("/ws/queue/bullmq/plain/", cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            snapshot = await receive_until(comm, lambda m: "qb-tab-count-waiting" in content(m))
            assert 'id="qb-tab-count-waiting" hx-swap-oob="true">1<' in content(snapshot)
            await asyncio.sleep(0.5)  # the reader follows the queue, on the same layer
            await queue.add("two", {})
            await receive_until(comm, lambda m: "entered" in m.get("qb", {}))
        finally:
            await comm.disconnect()
            await stop_live()
            await queue.close()

    asyncio.run(scenario())


def test_the_check_warns_without_channel_layers(settings: Any) -> None:
    del settings.CHANNEL_LAYERS
    assert live_check_ids() == ["queueboard.W201"]


def test_the_check_warns_of_channels_slow_in_memory_layer(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    assert live_check_ids() == ["queueboard.W202"]


def test_the_apps_own_layer_passes_the_check(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "queues.live.layers.InMemoryChannelLayer"}}
    assert live_check_ids() == []


def test_a_layer_that_cannot_be_made_refuses_the_socket_cleanly(
    live: Any, settings: Any, staff_user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "no.such.ChannelLayer"}}
    cookie = session_cookie(staff_user)

    async def scenario() -> tuple[bool, Any]:
        comm = communicator("/ws/", cookie)
        try:
            return await comm.connect(timeout=5)  # raises if the application failed
        finally:
            await comm.disconnect()  # no hub nor reader was made: nothing to stop

    with caplog.at_level(logging.WARNING, logger="queues.live"):
        assert asyncio.run(scenario())[0] is False
    assert "Live updates unavailable" in caplog.text
    assert "Traceback" not in caplog.text


def test_an_unknown_live_option_is_an_error(settings: Any) -> None:
    settings.QUEUEBOARD_LIVE = {"RECHEK": 5}
    messages = [m for m in run_checks(tags=["queueboard"]) if m.id == "queueboard.E201"]
    assert len(messages) == 1 and "RECHEK" in messages[0].msg
