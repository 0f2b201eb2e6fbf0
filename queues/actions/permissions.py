"""Who may do what: Django permissions per action, plus read-only backends and queues."""

from __future__ import annotations

from typing import Any

from ..backends.actions import JobAction, QueueAction
from ..backends.base import QueueBackend

#: The Django permission (app label ``queues``) each action needs.
PERMISSION_FOR: dict[JobAction | QueueAction, str] = {
    JobAction.RETRY: "queues.retry_jobs",
    JobAction.PROMOTE: "queues.promote_jobs",
    JobAction.REMOVE: "queues.remove_jobs",
    QueueAction.RETRY_ALL: "queues.retry_jobs",
    QueueAction.PROMOTE_ALL: "queues.promote_jobs",
    QueueAction.CLEAN: "queues.clean_queues",
    QueueAction.EMPTY: "queues.empty_queues",
    QueueAction.PAUSE: "queues.pause_queues",
    QueueAction.RESUME: "queues.pause_queues",
}


def refusal(
    user: Any, backend: QueueBackend, queue: str, action: JobAction | QueueAction
) -> str | None:
    """Why ``user`` may not do ``action`` on ``queue`` (a sentence), or None when allowed.

    Runs in a thread: ``has_perm`` reads the database.
    """
    if not backend.supports(action):
        return f"{backend.label} cannot {action.value.replace('-', ' ')}."
    if backend.is_queue_read_only(queue):
        return f"Queue {queue!r} of {backend.label} is read-only."
    if not user.has_perm(PERMISSION_FOR[action]):
        return f"Your account lacks the permission {PERMISSION_FOR[action]!r}."
    return None


def allowed_actions(user: Any, backend: QueueBackend, queue: str) -> set[str]:
    """The names of every action ``user`` may do on ``queue``, for the templates."""
    actions: list[JobAction | QueueAction] = [*JobAction, *QueueAction]
    return {a.value for a in actions if refusal(user, backend, queue, a) is None}
