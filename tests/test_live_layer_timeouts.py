"""channels_redis waits up to 5 s for a message (BZPOPMIN), and redis-py stops reading a reply
after its socket_timeout (5 s by default since redis-py 6): with both at 5 s every idle wait of
the live hub fails and a message taken as the read gives up is lost. The standalone board gives
the layer's connections a longer read timeout, and ``queueboard.W203`` names a layer that has
none; shown here with a real Redis."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

import pytest
import redis.exceptions
from channels_redis.core import RedisChannelLayer

from queues.live.checks import check_live, read_timeout_too_short


def w203(settings: Any, hosts: list[Any]) -> list[str]:
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": hosts}}
    }
    return [m.id for m in check_live() if m.id == "queueboard.W203"]


def test_a_read_timeout_at_or_below_the_wait_is_named(settings: Any, redis_url: str) -> None:
    assert w203(settings, [f"{redis_url}?socket_timeout=3"]) == ["queueboard.W203"]
    assert w203(settings, [{"address": redis_url, "socket_timeout": 5}]) == ["queueboard.W203"]
    assert w203(settings, [{"address": redis_url, "socket_timeout": 10}]) == []
    assert w203(settings, [f"{redis_url}?socket_timeout=12"]) == []
    assert w203(settings, [{"address": redis_url, "socket_timeout": None}]) == []


def test_the_standalone_boards_layer_reads_longer_than_it_waits(
    monkeypatch: pytest.MonkeyPatch, redis_url: str
) -> None:
    import board.settings

    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("CHANNEL_REDIS_URL", redis_url)
    try:
        layers = importlib.reload(board.settings).CHANNEL_LAYERS
    finally:
        monkeypatch.undo()
        importlib.reload(board.settings)
    assert read_timeout_too_short(layers["default"]["CONFIG"]) is None


async def idle_then_message(hosts: list[Any], idle: float) -> Any:
    """A receive that waits ``idle`` seconds before a message is sent to its channel."""
    layer = RedisChannelLayer(hosts=hosts)
    channel = await layer.new_channel()
    try:

        async def send_later() -> None:
            await asyncio.sleep(idle)
            await layer.send(channel, {"type": "hello"})

        sender = asyncio.create_task(send_later())
        try:
            return await asyncio.wait_for(layer.receive(channel), idle + 10)
        finally:
            await sender
    finally:
        await layer.flush()
        await layer.close_pools()


def test_an_idle_wait_fails_with_a_short_read_timeout_and_not_with_the_boards(
    redis_url: str,
) -> None:
    with pytest.raises((redis.exceptions.TimeoutError, TimeoutError)):
        asyncio.run(idle_then_message([{"address": redis_url, "socket_timeout": 2}], idle=3))
    hosts = [{"address": redis_url, "socket_timeout": 10}]
    assert asyncio.run(idle_then_message(hosts, idle=6))["type"] == "hello"
