"""Who may do what: Django permissions per action, plus read-only backends and queues."""

from __future__ import annotations

from typing import Any

from ..backends.actions import JobAction, QueueAction
from ..backends.base import QueueBackend
from ..states import JobState

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
#: Needed besides ``queues.retry_jobs`` to re-run jobs that completed: all of a queue's, a
#: selection, or one (each re-runs work that succeeded, and its side effects).
RERUN_COMPLETED = "queues.rerun_completed_jobs"
#: In ``allowed_actions``: the user may re-run completed jobs (for the buttons).
RERUN_COMPLETED_ACTION = "rerun-completed"
_RETRIES = (JobAction.RETRY, QueueAction.RETRY_ALL)


def permissions_for(action: JobAction | QueueAction, state: JobState | None = None) -> list[str]:
    """The permissions ``action`` needs when it takes jobs from ``state`` (None: any state)."""
    needed = [PERMISSION_FOR[action]]
    if state == JobState.COMPLETED and action in _RETRIES:
        needed.append(RERUN_COMPLETED)
    return needed


def refusal(
    user: Any,
    backend: QueueBackend,
    queue: str,
    action: JobAction | QueueAction,
    state: JobState | None = None,
) -> str | None:
    """Why ``user`` may not do ``action`` on ``queue`` (a sentence), or None when allowed.

    ``state``: the state the action takes its jobs from, when known (a bulk retry's).
    Runs in a thread: ``has_perm`` reads the database.
    """
    if not backend.supports(action):
        return f"{backend.label} cannot {action.value.replace('-', ' ')}."
    if backend.is_queue_read_only(queue):
        return f"Queue {queue!r} of {backend.label} is read-only."
    for permission in permissions_for(action, state):
        if not user.has_perm(permission):
            if permission == RERUN_COMPLETED:
                return f"Re-running completed jobs needs the permission {permission!r}."
            return f"Your account lacks the permission {permission!r}."
    return None


def may_rerun_completed(user: Any, backend: QueueBackend, queue: str) -> bool:
    """Whether ``user`` may re-run completed jobs of ``queue`` (runs in a thread)."""
    return backend.supports_retry_completed and (
        refusal(user, backend, queue, JobAction.RETRY, JobState.COMPLETED) is None
    )


def allowed_actions(user: Any, backend: QueueBackend, queue: str) -> set[str]:
    """The names of every action ``user`` may do on ``queue``, for the templates, and
    ``RERUN_COMPLETED_ACTION`` when completed jobs may be re-run."""
    actions: list[JobAction | QueueAction] = [*JobAction, *QueueAction]
    allowed = {a.value for a in actions if refusal(user, backend, queue, a) is None}
    if "retry" in allowed and may_rerun_completed(user, backend, queue):
        allowed.add(RERUN_COMPLETED_ACTION)
    return allowed
