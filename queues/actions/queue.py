"""Queue-wide actions: parameters, pause and resume at once, the rest as bulk runs."""

from __future__ import annotations

from typing import Any

from ..backends.actions import ActionOutcome, QueueAction, QueueActionParams
from ..backends.base import QueueBackend
from ..backends.errors import BackendError
from ..models import AuditEntry, BulkRun
from . import audit
from .bulk import start_run
from .jobs import check_allowed
from .params import queue_params

IMMEDIATE = (QueueAction.PAUSE, QueueAction.RESUME)


async def set_paused(user: Any, backend: QueueBackend, queue: str, action: QueueAction) -> None:
    await check_allowed(user, backend, queue, action)
    try:
        await backend.queue_step(queue, action, QueueActionParams(), 1)
    except BackendError as exc:
        await audit.record(
            user, action.value, backend.alias, queue, AuditEntry.Outcome.ERROR, message=str(exc)
        )
        raise
    await audit.record(
        user,
        action.value,
        backend.alias,
        queue,
        AuditEntry.Outcome.OK,
        result=ActionOutcome(),
        message=f"Queue {queue!r} {action.value}d.",
    )


async def perform(
    user: Any, backend: QueueBackend, queue: str, action: QueueAction, params: QueueActionParams
) -> BulkRun | None:
    """Pause/resume now (returns None); anything else starts a bulk run."""
    if action in IMMEDIATE:
        await set_paused(user, backend, queue, action)
        return None
    return await start_run(user, backend, queue, action, params)


__all__ = ["IMMEDIATE", "perform", "queue_params"]
