"""Queue-wide actions: parameters, pause and resume at once, the rest as bulk runs."""

from __future__ import annotations

from typing import Any

from ..backends.actions import QueueAction, QueueActionParams
from ..backends.base import QueueBackend
from ..models import BulkRun
from ..states import JobState
from .bulk import start_run
from .jobs import audited, check_allowed
from .params import queue_params

IMMEDIATE = (
    QueueAction.PAUSE,
    QueueAction.RESUME,
    QueueAction.SUSPEND_WORKERS,
    QueueAction.RESUME_WORKERS,
)
_DONE = {
    QueueAction.PAUSE: "Queue {queue!r} paused.",
    QueueAction.RESUME: "Queue {queue!r} resumed.",
    QueueAction.SUSPEND_WORKERS: "Every worker of {backend} suspended (all queues).",
    QueueAction.RESUME_WORKERS: "Every worker of {backend} resumed (all queues).",
}


async def set_paused(user: Any, backend: QueueBackend, queue: str, action: QueueAction) -> None:
    done = _DONE[action].format(queue=queue, backend=backend.label)
    await audited(
        user, backend, queue, action,
        lambda: backend.queue_step(queue, action, QueueActionParams(), 1),
        lambda result: done,
    )  # fmt: skip


async def perform(
    user: Any, backend: QueueBackend, queue: str, action: QueueAction, params: QueueActionParams
) -> BulkRun | None:
    """Pause/resume now (returns None); anything else starts a bulk run."""
    if action in IMMEDIATE:
        await set_paused(user, backend, queue, action)
        return None
    if action == QueueAction.RETRY_ALL and params.state == JobState.COMPLETED:
        # Re-running completed jobs needs more than retry_jobs (``permissions``).
        await check_allowed(user, backend, queue, action, state=params.state)
    return await start_run(user, backend, queue, action, params)


__all__ = ["IMMEDIATE", "perform", "queue_params"]
