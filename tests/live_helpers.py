"""Helpers of the live-update tests: the WebSocket app, logged-in communicators, waiting."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from channels.testing import WebsocketCommunicator
from django.test import Client

#: Short timings so the tests run in seconds.
FAST = {"BLOCK": 0.2, "RESYNC": 1.0, "POLL": 0.2, "LINGER": 0.0, "WATCH_TTL": 3.0}


def use_live(settings: Any, **options: float) -> None:
    """Live updates with the short timings (``options`` override them) on the in-memory layer."""
    settings.QUEUEBOARD_LIVE = {**FAST, **{name.upper(): value for name, value in options.items()}}
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def application() -> Any:
    from queues.routing import websocket_urlpatterns

    return AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))


def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return str(client.cookies["sessionid"].value)


def communicator(
    path: str, cookie: str | None = None, origin: str = "http://localhost"
) -> WebsocketCommunicator:
    """A communicator for ``path``; ``cookie`` from ``session_cookie`` (made outside the loop)."""
    headers = [(b"origin", origin.encode()), (b"host", b"localhost")]
    if cookie is not None:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application(), path, headers=headers)


async def receive_until(
    comm: WebsocketCommunicator, check: Callable[[dict[str, Any]], bool], wait: float = 8
) -> dict[str, Any]:
    """The first message (decoded JSON) for which ``check`` holds; fails after ``wait`` s."""
    deadline = time.monotonic() + wait
    seen: list[dict[str, Any]] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no matching message in {wait} s; got {seen!r}"[:4000])
        try:
            message = json.loads(await comm.receive_from(timeout=left))
        except TimeoutError:
            continue
        seen.append(message)
        if check(message):
            return message


def content(message: dict[str, Any]) -> str:
    return str(message.get("content", ""))


async def stop_live() -> None:
    """Stop the reader and the hub of the running loop and empty the in-memory layer."""
    from channels.layers import get_channel_layer

    from queues.live import hub, leader

    service = leader.current()
    if service is not None:
        await service.stop()
    local = hub.current()
    if local is not None:
        await local.stop()
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        await layer.flush()
