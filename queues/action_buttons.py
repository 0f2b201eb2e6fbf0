"""The action buttons a user sees, computed from the backend's action table and what they may do.

The job page (and its live updates), the selection bar of a job list and the queue page's
actions all come from here: ``QueueBackend.job_actions_for`` / ``queue_action_states`` say what
applies (``backends/applicability.py``), ``allowed`` (``actions.permissions.allowed_actions``)
what the user may do. Templates only lay the buttons out.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext, pgettext

from .actions.permissions import RERUN_COMPLETED_ACTION
from .backends.actions import JobAction, QueueAction
from .backends.base import QueueBackend
from .backends.types import QueueSummary
from .states import JobState
from .templatetags.queueboard import visible_text

#: Job actions shown after the job-change buttons (edit, reschedule, ...): the destructive ones.
_LAST = (JobAction.REMOVE,)


@dataclass(frozen=True)
class JobButton:
    """One job action's button: a form posting to ``queues:job-action``."""

    action: str
    label: str
    danger: bool = False
    #: Asked before the form is sent (``data-confirm``).
    confirm: str = ""
    #: Said beside the button (``aria-describedby``).
    note: str = ""


@dataclass(frozen=True)
class JobButtons:
    """A job's buttons: ``first`` before the job-change buttons, ``last`` after them."""

    first: list[JobButton]
    last: list[JobButton]


@dataclass(frozen=True)
class QueueButton:
    """One queue action: a link to its confirmation page (``href``) or a form (``post``)."""

    action: str
    label: str
    href: str = ""
    post: str = ""
    danger: bool = False


def may(action: JobAction | QueueAction, state: JobState | None, allowed: Collection[str]) -> bool:
    """Whether ``allowed`` lets the user do ``action`` to jobs of ``state``: re-running
    completed jobs needs its own permission."""
    if action.value not in allowed:
        return False
    retry = action in (JobAction.RETRY, QueueAction.RETRY_ALL)
    return not (retry and state == JobState.COMPLETED and RERUN_COMPLETED_ACTION not in allowed)


def job_buttons(backend: QueueBackend, job: Any, allowed: Collection[str]) -> JobButtons:
    """The buttons of the job page for ``job`` (``backend``'s; it needs ``id`` and ``state``)."""
    first: list[JobButton] = []
    last: list[JobButton] = []
    for action in backend.job_actions_for(job.state):
        if may(action, job.state, allowed):
            button = _job_button(action, job)
            (last if action in _LAST else first).append(button)
    return JobButtons(first, last)


def _job_button(action: JobAction, job: Any) -> JobButton:
    shown = {"id": visible_text(job.id)}
    if action == JobAction.RETRY:
        note = gettext("runs this completed job again") if job.state == JobState.COMPLETED else ""
        return JobButton(action.value, gettext("Retry"), note=note)
    if action == JobAction.PROMOTE:
        return JobButton(action.value, gettext("Promote"))
    if action == JobAction.CANCEL:
        confirm = gettext("Cancel job %(id)s? It will not run.") % shown
        return JobButton(action.value, pgettext("job action", "Cancel"), confirm=confirm)
    if action == JobAction.STOP:
        confirm = gettext("Stop job %(id)s? Its worker ends it now.") % shown
        return JobButton(action.value, gettext("Stop"), danger=True, confirm=confirm)
    confirm = gettext("Remove job %(id)s? This cannot be undone.") % shown
    return JobButton(action.value, gettext("Remove"), danger=True, confirm=confirm)


def selection_buttons(
    backend: QueueBackend, state: JobState, allowed: Collection[str]
) -> list[tuple[str, str]]:
    """The buttons for the selected jobs of a list of ``state``: (action, label)."""
    labels = {
        JobAction.RETRY: gettext("Retry selected"),
        JobAction.PROMOTE: gettext("Promote selected"),
        JobAction.REMOVE: gettext("Remove selected"),
        JobAction.CANCEL: gettext("Cancel selected"),
        JobAction.STOP: gettext("Stop selected"),
    }
    return [
        (action.value, labels[action])
        for action in backend.job_actions_for(state)
        if may(action, state, allowed)
    ]


def queue_buttons(
    backend: QueueBackend, queue: QueueSummary, state: JobState | None, allowed: Collection[str]
) -> list[QueueButton]:
    """The queue page's actions for a user allowed ``allowed``; ``state``: the tab shown."""

    def url(action: str) -> str:
        return reverse("queues:queue-action", args=[backend.alias, queue.name, action])

    def holds(states: tuple[JobState, ...]) -> bool:
        return any(queue.counts.get(s, 0) for s in states)

    buttons: list[QueueButton] = []
    if "add-job" in allowed:
        href = reverse("queues:add-job", args=[backend.alias, queue.name])
        buttons.append(QueueButton("add-job", gettext("Add job"), href=href))
    for retried in backend.queue_action_states(QueueAction.RETRY_ALL):
        if may(QueueAction.RETRY_ALL, retried, allowed) and holds((retried,)):
            href = f"{url(QueueAction.RETRY_ALL)}?state={retried.value}"
            buttons.append(QueueButton("retry-all", _retry_all_label(retried), href=href))
    promoted = backend.queue_action_states(QueueAction.PROMOTE_ALL)
    if may(QueueAction.PROMOTE_ALL, None, allowed) and holds(promoted):
        buttons.append(
            QueueButton("promote-all", gettext("Promote all"), href=url(QueueAction.PROMOTE_ALL))
        )
    cleaned = backend.queue_action_states(QueueAction.CLEAN)
    if may(QueueAction.CLEAN, None, allowed) and cleaned:
        chosen = state if state in cleaned else _first_finished(cleaned)
        href = f"{url(QueueAction.CLEAN)}?state={chosen.value}&grace=1h"
        buttons.append(QueueButton("clean", gettext("Clean"), href=href))
    emptied = backend.queue_action_states(QueueAction.EMPTY)
    if may(QueueAction.EMPTY, None, allowed) and holds(emptied):
        label = pgettext("queue action", "Empty")
        buttons.append(QueueButton("empty", label, href=url(QueueAction.EMPTY), danger=True))
    if may(QueueAction.PAUSE, None, allowed):
        action = QueueAction.RESUME if queue.paused else QueueAction.PAUSE
        label = gettext("Resume") if queue.paused else gettext("Pause")
        buttons.append(QueueButton(action.value, label, post=url(action)))
    if may(QueueAction.SUSPEND_WORKERS, None, allowed):
        # The backend's only pause: every worker of the server, in all its queues (RQ).
        action = QueueAction.RESUME_WORKERS if queue.paused else QueueAction.SUSPEND_WORKERS
        label = gettext("Resume all workers") if queue.paused else gettext("Suspend all workers")
        buttons.append(QueueButton(action.value, label, post=url(action)))
    if may(QueueAction.OBLITERATE, None, allowed):
        href = reverse("queues:queue-obliterate", args=[backend.alias, queue.name])
        buttons.append(QueueButton("obliterate", gettext("Obliterate"), href=href, danger=True))
    return buttons


def _retry_all_label(state: JobState) -> str:
    if state == JobState.FAILED:
        return gettext("Retry all")
    if state == JobState.COMPLETED:
        return gettext("Re-run completed")
    return gettext("Retry all %(state)s") % {"state": state.phrase}


def _first_finished(states: tuple[JobState, ...]) -> JobState:
    """What Clean offers from a tab it does not apply to: completed jobs where it can."""
    return JobState.COMPLETED if JobState.COMPLETED in states else states[0]
