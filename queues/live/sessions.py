"""Sockets follow their session: logging out closes them, and their user is read again.

A WebSocket is authenticated once, at its handshake; without this it would keep pushing job
data after its user logged out, was deactivated or lost access. So:

- ``logged_out`` (a ``user_logged_out`` receiver, connected by the app) sends one channel-layer
  message to the user's group (``groups.user_group``), naming the session that ended; every
  socket of that session, in any process, closes.
- ``SessionUsers`` reads the user of a session again, as the handshake did (session store,
  authentication backend, session hash: a changed password ends other sessions), at most
  once per ``RECHECK / 2`` per session and process, however many sockets the session has open.
"""

from __future__ import annotations

import asyncio
import logging
import time
from importlib import import_module
from typing import Any

from channels.auth import get_user
from django.conf import settings

from . import groups
from .layers import live_layer
from .options import live_options
from .per_loop import PerLoop

logger = logging.getLogger("queues.live")
#: The message telling a user's sockets that one of the user's sessions ended.
LOGOUT_MESSAGE = "qb.logout"


def session_digest(session_key: str | None) -> str | None:
    """What the logout message names of a session (never the key itself)."""
    return groups.digest("session", session_key) if session_key else None


async def logged_out(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    """Close the sockets of the session that logs out (``user_logged_out`` receiver).

    Django calls async receivers from ``logout()`` and ``alogout()`` alike. A failure to reach
    the channel layer is logged and never fails the logout itself.
    """
    if user is None or getattr(user, "pk", None) is None:
        return
    session = getattr(request, "session", None)
    group = groups.user_group(user.pk)
    message = {
        "type": LOGOUT_MESSAGE,
        "group": group,
        "session": session_digest(getattr(session, "session_key", None)),
    }
    try:
        await live_layer().group_send(group, message)
    except Exception as exc:
        logger.warning("Live updates: the sockets of a logout were not told: %s", exc)


async def read_session_user(session_key: str | None) -> Any:
    """The user of session ``session_key`` now; AnonymousUser when it ended or is invalid."""
    from django.contrib.auth.models import AnonymousUser

    if not session_key:
        return AnonymousUser()
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return await get_user({"session": store})


class SessionUsers:
    """Users of sessions read again, shared by a process's sockets for ``ttl`` seconds."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._reads: dict[str, tuple[float, asyncio.Task[Any]]] = {}

    async def get(self, session_key: str | None) -> tuple[Any, float]:
        """The session's user and when it was read (``time.monotonic()``)."""
        if not session_key:
            return await read_session_user(None), time.monotonic()
        now = time.monotonic()
        found = self._reads.get(session_key)
        if found is None or now - found[0] >= self.ttl or found[1].cancelled():
            for key in [k for k, (at, _) in self._reads.items() if now - at >= self.ttl]:
                del self._reads[key]
            found = (now, asyncio.ensure_future(read_session_user(session_key)))
            self._reads[session_key] = found
        try:
            return await asyncio.shield(found[1]), found[0]
        except Exception:
            if self._reads.get(session_key) is found:
                del self._reads[session_key]  # not kept: the next check reads again
            raise


_users: PerLoop[SessionUsers] = PerLoop(lambda: SessionUsers(live_options().recheck / 2))
#: The session users of the running event loop.
session_users = _users.get
