"""Set (or remove) a queue's global concurrency: capability, read-only and permission checked
(``queues.change_concurrency``), and audited with the values before and after."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..backends.base import QueueBackend
from ..backends.errors import BackendError
from ..language import Text, english
from ..models import AuditEntry
from ..reading import forget
from . import audit
from .errors import ActionRefused
from .permissions import lacks_permission

#: The audit log's name of the action.
ACTION = "set-concurrency"
PERMISSION = "queues.change_concurrency"


def refusal(user: Any, backend: QueueBackend, queue: str) -> Text | None:
    """Why ``user`` may not set ``queue``'s global concurrency, or None (in a thread)."""
    if not backend.supports_global_concurrency:
        message = _("{backend} cannot set a global concurrency.")
        return format_lazy(message, backend=backend.label)
    if backend.is_queue_read_only(queue):
        message = _("Queue {queue} of {backend} is read-only.")
        return format_lazy(message, queue=repr(queue), backend=backend.label)
    if not user.has_perm(PERMISSION):
        return lacks_permission(PERMISSION)
    return None


async def check(user: Any, backend: QueueBackend, queue: str) -> None:
    """Raise ``ActionRefused`` (audited) unless ``user`` may: before the input is even read."""
    reason = await sync_to_async(refusal)(user, backend, queue)
    if reason is not None:
        await audit.record(
            user, ACTION, backend.alias, queue, AuditEntry.Outcome.REFUSED, message=reason
        )
        raise ActionRefused(reason)


def describe(after: int | None) -> Text:
    if after is None:
        return _("Global concurrency removed: workers take as many jobs as they run.")
    return format_lazy(_("Global concurrency set to {n}."), n=after)


async def set_global_concurrency(
    user: Any, backend: QueueBackend, queue: str, concurrency: int | None
) -> tuple[int | None, int | None]:
    """(before, after), as the backend reads them back."""
    await check(user, backend, queue)
    try:
        before, after = await backend.set_global_concurrency(queue, concurrency)
    except BackendError as exc:
        await audit.record(
            user, ACTION, backend.alias, queue, AuditEntry.Outcome.ERROR, message=english(exc)
        )
        raise
    await audit.record(
        user, ACTION, backend.alias, queue, AuditEntry.Outcome.OK,
        params={"before": before, "after": after}, counts=(1, 0, 0),
        message=english(describe(after)),
    )  # fmt: skip
    forget(backend)
    return before, after
