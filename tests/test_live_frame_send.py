"""Live frames skip channels' session-saving send wrapper, which has nothing to do for them."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.sessions import SessionMiddlewareStack

from queues.live.frame_send import frame_send


async def server_send(message: dict[str, Any]) -> None:
    """What the server gives the application (daphne's send)."""


def send_given_by(stack: Any) -> Any:
    given: list[Any] = []

    async def consumer(scope: Any, receive: Any, send: Any) -> None:
        given.append(send)

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    scope = {"type": "websocket", "path": "/ws/", "headers": [(b"cookie", b"sessionid=x")]}
    asyncio.run(stack(consumer)(dict(scope), receive, server_send))
    return given[0]


def test_beneath_auth_and_session_stacks_frames_go_to_the_servers_send(db: Any) -> None:
    for stack in (AuthMiddlewareStack, SessionMiddlewareStack):
        wrapped = send_given_by(stack)
        assert wrapped is not server_send  # the stack wrapped it
        assert frame_send(wrapped) is server_send


def test_a_send_not_wrapped_is_kept() -> None:
    assert frame_send(server_send) is server_send

    async def other(message: dict[str, Any]) -> None: ...

    assert frame_send(other) is other
