"""Queue-wide actions: parameters, pause and resume at once, the rest as bulk runs."""

from __future__ import annotations

import time
from typing import Any

from ..backends.actions import ActionOutcome, QueueAction, QueueActionParams
from ..backends.base import QueueBackend
from ..backends.errors import BackendError
from ..models import AuditEntry, BulkRun
from ..states import JobState
from ..views.params import (
    CLEANABLE,
    RETRYABLE,
    BadRequest,
    action_state,
    parse_grace,
    parse_limit,
)
from . import audit
from .bulk import params_to_json, start_run
from .jobs import check_allowed

IMMEDIATE = (QueueAction.PAUSE, QueueAction.RESUME)


def queue_params(backend: QueueBackend, action: QueueAction, data: Any) -> QueueActionParams:
    """Validate what the user sent for ``action``; malformed values raise ``BadRequest``."""
    limit = parse_limit(data.get("limit"))
    if action == QueueAction.RETRY_ALL:
        state = action_state(data.get("state"), RETRYABLE, JobState.FAILED)
        if state == JobState.COMPLETED and not backend.supports_retry_completed:
            raise BadRequest(f"{backend.label} cannot retry completed jobs.")
        return QueueActionParams(state=state, limit=limit, cutoff_ms=int(time.time() * 1000))
    if action == QueueAction.CLEAN:
        states = tuple(s for s in CLEANABLE if s in backend.states)
        state = action_state(data.get("state"), states, JobState.COMPLETED)
        return QueueActionParams(state=state, grace_ms=parse_grace(data.get("grace")), limit=limit)
    if action == QueueAction.PROMOTE_ALL:
        return QueueActionParams(state=JobState.DELAYED, limit=limit)
    if action == QueueAction.EMPTY:
        return QueueActionParams(state=JobState.WAITING, limit=limit)
    return QueueActionParams()


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


__all__ = ["IMMEDIATE", "params_to_json", "perform", "queue_params"]
