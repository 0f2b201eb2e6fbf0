"""Who may do what: Django permissions per action, plus read-only backends and queues."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..backends.actions import JobAction, QueueAction
from ..backends.base import QueueBackend
from ..language import Text
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
    QueueAction.RETRY_GROUP: "queues.retry_jobs",
    QueueAction.REMOVE_GROUP: "queues.remove_jobs",
    QueueAction.OBLITERATE: "queues.obliterate_queues",
    JobAction.CANCEL: "queues.cancel_jobs",
    JobAction.STOP: "queues.stop_jobs",
    QueueAction.SUSPEND_WORKERS: "queues.suspend_workers",
    QueueAction.RESUME_WORKERS: "queues.suspend_workers",
    QueueAction.REPLAY_DEAD_LETTERS: "queues.replay_dead_letters",
}
#: Needed besides ``queues.retry_jobs`` to re-run jobs that completed: all of a queue's, a
#: selection, or one (each re-runs work that succeeded, and its side effects).
RERUN_COMPLETED = "queues.rerun_completed_jobs"
#: In ``allowed_actions``: the user may re-run completed jobs (for the buttons).
RERUN_COMPLETED_ACTION = "rerun-completed"
_RETRIES = (JobAction.RETRY, QueueAction.RETRY_ALL)
#: Each action in a sentence ("BullMQ cannot retry all").
ACTION_NAMES: dict[JobAction | QueueAction, Promise] = {
    JobAction.RETRY: pgettext_lazy("action", "retry"),
    JobAction.PROMOTE: pgettext_lazy("action", "promote"),
    JobAction.REMOVE: pgettext_lazy("action", "remove"),
    QueueAction.RETRY_ALL: pgettext_lazy("action", "retry all"),
    QueueAction.PROMOTE_ALL: pgettext_lazy("action", "promote all"),
    QueueAction.CLEAN: pgettext_lazy("action", "clean"),
    QueueAction.EMPTY: pgettext_lazy("action", "empty"),
    QueueAction.PAUSE: pgettext_lazy("action", "pause"),
    QueueAction.RESUME: pgettext_lazy("action", "resume"),
    QueueAction.RETRY_GROUP: pgettext_lazy("action", "retry group"),
    QueueAction.REMOVE_GROUP: pgettext_lazy("action", "remove group"),
    QueueAction.OBLITERATE: pgettext_lazy("action", "obliterate"),
    JobAction.CANCEL: pgettext_lazy("action", "cancel jobs"),
    JobAction.STOP: pgettext_lazy("action", "stop running jobs"),
    QueueAction.SUSPEND_WORKERS: pgettext_lazy("action", "suspend its workers"),
    QueueAction.RESUME_WORKERS: pgettext_lazy("action", "resume its workers"),
    QueueAction.REPLAY_DEAD_LETTERS: pgettext_lazy("action", "replay dead letters"),
}


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
) -> Text | None:
    """Why ``user`` may not do ``action`` on ``queue`` (a sentence), or None when allowed.

    ``state``: the state the action takes its jobs from, when known (a bulk retry's).
    Runs in a thread: ``has_perm`` reads the database.
    """
    if not backend.supports(action):
        message = _("{backend} cannot {action}.")
        return format_lazy(message, backend=backend.label, action=ACTION_NAMES[action])
    if backend.is_queue_read_only(queue):
        reason: Text | None = getattr(backend, "read_only_reason", None)  # the whole backend's
        if reason:
            return reason
        message = _("Queue {queue} of {backend} is read-only.")
        return format_lazy(message, queue=repr(queue), backend=backend.label)
    for permission in permissions_for(action, state):
        if not user.has_perm(permission):
            if permission == RERUN_COMPLETED:
                message = _("Re-running completed jobs needs the permission {permission}.")
                return format_lazy(message, permission=repr(permission))
            return lacks_permission(permission)
    return None


def lacks_permission(permission: str) -> Text:
    message = _("Your account lacks the permission {permission}.")
    return format_lazy(message, permission=repr(permission))


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
    from .job_changes import allowed_changes  # add-job, edit-data, ... (it imports this module)

    allowed |= allowed_changes(user, backend, queue)
    return allowed
