"""Who may see the board, a backend or a queue. Closed by default: staff only."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils.functional import LazyObject, empty
from django.utils.module_loading import import_string

from .conf import setting

AccessRule = Callable[[Any, str | None, str | None], bool]
T = TypeVar("T")
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def staff_only(user: Any, backend: str | None, queue: str | None) -> bool:
    """The default rule: active staff users see everything."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def _rule() -> AccessRule:
    rule = setting("ACCESS")
    return import_string(rule) if isinstance(rule, str) else rule


def checks_without_io(user: Any) -> bool:
    """Whether the access checks of ``user`` can run on the event loop.

    True for the built-in rule over a user already read from the database: it only reads the
    user's attributes. A custom ``ACCESS`` rule may query the database, and a lazy user not yet
    read would be, so those run in a thread.
    """
    if _rule() is not staff_only:
        return False
    return not _unread(user)


def permissions_without_io(user: Any) -> bool:
    """Whether ``user.has_perm`` can run on the event loop: for an active superuser Django
    answers without asking a backend; otherwise when ``ModelBackend`` is the only
    authentication backend and has already cached the user's permissions (as the standalone
    board's kept users have, ``board/auth_cache.py``)."""
    if _unread(user):
        return False
    if getattr(user, "is_active", False) and getattr(user, "is_superuser", False):
        return True
    return list(settings.AUTHENTICATION_BACKENDS) == [MODEL_BACKEND] and hasattr(
        user, "_perm_cache"
    )


async def on_loop_if_no_io(
    user: Any, check: Callable[[], T], *, reads_permissions: bool = False
) -> T:
    """``check()``: on the event loop when it reads no database (the access rule's checks, and
    with ``reads_permissions`` the user's permissions too), else in a thread."""
    if checks_without_io(user) and (not reads_permissions or permissions_without_io(user)):
        return check()
    return await sync_to_async(check)()


def _unread(user: Any) -> bool:
    """A lazy user not read yet (reading it queries the session and the user)."""
    return isinstance(user, LazyObject) and user._wrapped is empty


def can_view_board(user: Any) -> bool:
    return bool(user.is_authenticated) and bool(_rule()(user, None, None))


def can_view_backend(user: Any, backend: str) -> bool:
    return can_view_board(user) and bool(_rule()(user, backend, None))


def visible_queue_names(user: Any, backend: Any, names: Iterable[str]) -> set[str]:
    """Which of ``names`` (queues of ``backend``) the user may see: ``can_view_queue`` for many.

    The built-in rule ignores the queue, so it runs once, not once per queue.
    """
    shown = [name for name in names if not backend.is_queue_hidden(name)]
    if not can_view_backend(user, backend.alias):
        return set()
    rule = _rule()
    if rule is staff_only:
        return set(shown)
    return {name for name in shown if rule(user, backend.alias, name)}


def can_view_queue(user: Any, backend: Any, queue: str) -> bool:
    """``backend`` is a QueueBackend; hidden queues are invisible to everyone."""
    if backend.is_queue_hidden(queue):
        return False
    return can_view_board(user) and bool(_rule()(user, backend.alias, queue))
