"""The send a live socket writes its frames with.

Under channels' ``SessionMiddleware`` (part of ``AuthMiddlewareStack``) a consumer's ``send`` is
a wrapper that saves a modified session when an HTTP response starts. For a WebSocket frame it
only looks at the session (two lazy-object lookups) and passes the message on, and with 1,000
viewers of a page every event costs 1,000 such passes. The consumers never change the session,
so their frames go to the send beneath the wrapper; anything else (the accept, the close) still
goes through it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from channels.sessions import InstanceSessionWrapper

Send = Callable[[dict[str, Any]], Awaitable[None]]


def frame_send(send: Send) -> Send:
    """``send``, or the send beneath channels' session wrappers around it."""
    while isinstance(wrapper := getattr(send, "__self__", None), InstanceSessionWrapper):
        send = wrapper.real_send
    return send
