"""The session and user of a login, kept in memory for a few seconds, per process.

Every board request needs its session and its user: two database reads (the session row, then
the user row), run in a thread under ASGI, most of the time a small request takes. For
``BOARD_AUTH_CACHE_SECONDS`` (default 2; 0 turns this off) after Django has read and checked
them (``auth.get_user``: the session, the authentication backend, the session hash that a
password change alters), a process answers the next requests of the same session cookie from
memory: the session's data, and a copy of the user with its permissions already read, set on the
request as a plain object, so that the built-in access rule needs no thread either.

Forgotten at once in this process (everything kept is dropped, and reads in flight are not kept):

- a request changes its session, flushes or cycles it (logout, login, notices): before the
  session is saved, and again when the session row is written (database session stores);
- a logout (``user_logged_out``), also of the same session in another tab;
- a session row deleted (``post_delete``), a user saved or deleted (``is_active``, ``is_staff``,
  ``is_superuser``, the password), a user's groups or permissions changed (``m2m_changed``), a
  group's permissions changed, a group or permission saved or deleted.

Other board processes, and changes that send no signal (``QuerySet.update()``, raw SQL, another
program writing the database), take effect within ``BOARD_AUTH_CACHE_SECONDS``: the bound after
which a revoked session or a removed permission is refused everywhere.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

DEFAULT_SECONDS = 2.0
#: Sessions kept at most per process; beyond, the oldest half is dropped.
MAX_SESSIONS = 10_000


def seconds() -> float:
    """How long a session's user is reused (``BOARD_AUTH_CACHE_SECONDS``; 0: never)."""
    return float(getattr(settings, "BOARD_AUTH_CACHE_SECONDS", DEFAULT_SECONDS))


@dataclass(frozen=True)
class Entry:
    read_at: float
    generation: int
    data: dict[str, Any]
    user: Any


class SessionUsers:
    """Session key -> (its data, its user), valid for ``seconds()`` within one generation.

    Any invalidation starts a new generation: entries of older ones are never answered, and a
    read that began before it is not kept. Thread-safe (signals arrive from worker threads).
    """

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._lock = threading.Lock()
        self.generation = 0

    def get(self, key: str, ttl: float) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.generation != self.generation or time.monotonic() - entry.read_at >= ttl:
            self._entries.pop(key, None)
            return None
        return entry

    def put(self, key: str, generation: int, data: dict[str, Any], user: Any) -> None:
        with self._lock:
            if generation != self.generation:
                return
            if len(self._entries) >= MAX_SESSIONS:
                oldest = sorted(self._entries, key=lambda k: self._entries[k].read_at)
                for stale in oldest[: MAX_SESSIONS // 2]:
                    del self._entries[stale]
            self._entries[key] = Entry(time.monotonic(), generation, data, user)

    def forget_all(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


sessions = SessionUsers()


def _read_permissions(user: Any) -> None:
    """Fill the user's permission caches (``ModelBackend``'s), so checks on a copy read none."""
    get_all = getattr(user, "get_all_permissions", None)
    if get_all is not None:
        get_all()


def _load(request: HttpRequest, key: str, generation: int) -> Any:
    """Django's lazy ``request.user``, kept for the next requests of the session."""
    if not hasattr(request, "_cached_user"):
        user = auth.get_user(request)
        request._cached_user = user  # type: ignore[attr-defined]
        session = request.session
        if user.is_authenticated and session.session_key == key and not session.modified:
            data = copy.deepcopy(dict(session.items()))
            _read_permissions(user)
            sessions.put(key, generation, data, copy.copy(user))  # the request keeps its own
    return request._cached_user  # type: ignore[attr-defined]


async def _aload(request: HttpRequest, key: str, generation: int) -> Any:
    if not hasattr(request, "_acached_user"):
        request._acached_user = await sync_to_async(_load)(request, key, generation)  # type: ignore[attr-defined]
    return request._acached_user  # type: ignore[attr-defined]


def attach(request: HttpRequest) -> None:
    """After Django's ``AuthenticationMiddleware``: the kept user of the request's session, or
    Django's lazy user that is kept once read. Reads no database itself."""
    ttl = seconds()
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    session = getattr(request, "session", None)
    if ttl <= 0 or not key or session is None or session.session_key != key:
        return
    entry = sessions.get(key, ttl)
    if entry is None:
        generation = sessions.generation
        request.user = SimpleLazyObject(lambda: _load(request, key, generation))  # type: ignore[assignment]
        request.auser = partial(_aload, request, key, generation)
        return
    session._session_cache = copy.deepcopy(entry.data)
    user = copy.copy(entry.user)
    request.user = request._cached_user = request._acached_user = user  # type: ignore[attr-defined]

    async def auser() -> Any:
        return user

    request.auser = auser


def after_response(request: HttpRequest) -> None:
    """Forget everything when the request changed its session (saved, flushed or cycled)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if session.modified or (key and session.session_key != key):
        sessions.forget_all()


def _forget(*args: Any, **kwargs: Any) -> None:
    sessions.forget_all()


def _forget_on_m2m(sender: Any, instance: Any, model: Any, **kwargs: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    watched = (get_user_model(), Group, Permission)
    if isinstance(instance, watched) or (isinstance(model, type) and issubclass(model, watched)):
        sessions.forget_all()


def connect() -> None:
    """Connect the receivers (idempotent: each has its ``dispatch_uid``)."""
    user_logged_out.connect(_forget, dispatch_uid="board.auth_cache.logout")
    m2m_changed.connect(_forget_on_m2m, dispatch_uid="board.auth_cache.m2m")
    for sender in (settings.AUTH_USER_MODEL, "auth.Group", "auth.Permission", "sessions.Session"):
        for signal in (post_save, post_delete):
            signal.connect(_forget, sender=sender, dispatch_uid=f"board.auth_cache.{sender}")


connect()
