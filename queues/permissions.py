"""Who may see the board, a backend or a queue. Closed by default: staff only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string

from .conf import setting

AccessRule = Callable[[Any, str | None, str | None], bool]


def staff_only(user: Any, backend: str | None, queue: str | None) -> bool:
    """The default rule: active staff users see everything."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def _rule() -> AccessRule:
    rule = setting("ACCESS")
    return import_string(rule) if isinstance(rule, str) else rule


def can_view_board(user: Any) -> bool:
    return bool(user.is_authenticated) and bool(_rule()(user, None, None))


def can_view_backend(user: Any, backend: str) -> bool:
    return can_view_board(user) and bool(_rule()(user, backend, None))


def can_view_queue(user: Any, backend: Any, queue: str) -> bool:
    """``backend`` is a QueueBackend; hidden queues are invisible to everyone."""
    if backend.is_queue_hidden(queue):
        return False
    return can_view_board(user) and bool(_rule()(user, backend.alias, queue))
