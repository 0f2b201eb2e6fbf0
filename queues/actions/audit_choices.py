"""What the audit log's filters offer and its rows say: every action the board records, and
each outcome with a label and a colour class (a skip is not an error)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..backends.actions import JobAction, QueueAction
from ..models import AuditEntry
from .concurrency import ACTION as CONCURRENCY_ACTION
from .queue import IMMEDIATE
from .schedules import AUDIT_NAME as SCHEDULE_AUDIT_NAME
from .schedules import ScheduleAction

_LABELS: dict[str, Promise] = {
    JobAction.RETRY: _("Retry"),
    JobAction.PROMOTE: _("Promote"),
    JobAction.REMOVE: _("Remove"),
    QueueAction.RETRY_ALL: _("Retry all"),
    QueueAction.PROMOTE_ALL: _("Promote all"),
    QueueAction.CLEAN: _("Clean"),
    QueueAction.EMPTY: pgettext_lazy("queue action", "Empty"),  # not "empty" the adjective
    QueueAction.PAUSE: _("Pause"),
    QueueAction.RESUME: _("Resume"),
    QueueAction.RETRY_GROUP: _("Retry a failure group"),
    QueueAction.REMOVE_GROUP: _("Remove a failure group"),
    QueueAction.OBLITERATE: _("Obliterate"),
    JobAction.CANCEL: pgettext_lazy("job action", "Cancel"),
    JobAction.STOP: pgettext_lazy("job action", "Stop"),
    QueueAction.SUSPEND_WORKERS: _("Suspend all workers"),
    QueueAction.RESUME_WORKERS: _("Resume all workers"),
    QueueAction.REPLAY_DEAD_LETTERS: _("Replay dead letters"),
    # Board-wide runs (``board_wide``): one entry for every queue's part.
    "board-pause-all": _("Pause all queues"),
    "board-resume-all": _("Resume all queues"),
    "board-retry-failed": _("Retry failed jobs in all queues"),
    SCHEDULE_AUDIT_NAME[ScheduleAction.RUN_NOW]: _("Run a schedule now"),
    SCHEDULE_AUDIT_NAME[ScheduleAction.EDIT]: _("Edit a schedule"),
    SCHEDULE_AUDIT_NAME[ScheduleAction.REMOVE]: _("Remove a schedule"),
    CONCURRENCY_ACTION: _("Set the global concurrency"),
    # The alerts (queues/alerts/evaluator.py): recorded by the board itself, no user.
    "alert-fired": _("Alert fired"),
    "alert-resolved": _("Alert resolved"),
}
_CANCEL_LABELS: dict[str, Promise] = {
    QueueAction.RETRY_ALL: _("Cancel retry all"),
    QueueAction.PROMOTE_ALL: _("Cancel promote all"),
    QueueAction.CLEAN: _("Cancel clean"),
    QueueAction.EMPTY: _("Cancel empty"),
    QueueAction.RETRY_GROUP: _("Cancel retrying a failure group"),
    QueueAction.REMOVE_GROUP: _("Cancel removing a failure group"),
    QueueAction.OBLITERATE: _("Cancel obliterate"),
    QueueAction.REPLAY_DEAD_LETTERS: _("Cancel replaying dead letters"),
    "board-pause-all": _("Cancel pausing all queues"),
    "board-resume-all": _("Cancel resuming all queues"),
    "board-retry-failed": _("Cancel retrying failed jobs in all queues"),
}

#: The board-wide runs' actions (``board_wide.RUN_ACTIONS``).
BOARD_RUNS = ("board-pause-all", "board-resume-all", "board-retry-failed")

#: Outcome -> the class of its label: the state colours' vocabulary (queueboard.css).
OUTCOME_CLASSES: dict[str, str] = {
    AuditEntry.Outcome.OK: "state-completed",
    AuditEntry.Outcome.PARTIAL: "state-delayed",
    AuditEntry.Outcome.SKIPPED: "state-waiting",
    AuditEntry.Outcome.REFUSED: "state-paused",
    AuditEntry.Outcome.ERROR: "state-failed",
    AuditEntry.Outcome.STARTED: "state-active",
    AuditEntry.Outcome.CANCELLED: "state-prioritized",
}


def action_choices() -> list[tuple[str, str]]:
    """(value, label) of every action recorded: on jobs, on queues, on schedules, and the
    cancellation of each bulk run (``cancel-<action>``)."""
    names = [*map(str, (*JobAction, *QueueAction)), *BOARD_RUNS, *SCHEDULE_AUDIT_NAME.values()]
    names.append(CONCURRENCY_ACTION)
    names += ["alert-fired", "alert-resolved"]
    choices = [(name, _label(name)) for name in names]
    bulk = [*(action for action in QueueAction if action not in IMMEDIATE), *BOARD_RUNS]
    choices += [(f"cancel-{action}", str(_CANCEL_LABELS[action])) for action in bulk]
    return choices


def _label(name: str) -> str:
    """An action's label; a new action not labelled here yet reads as its name."""
    label = _LABELS.get(name)
    return str(label) if label is not None else name.replace("-", " ").capitalize()


def action_label(action: str) -> str:
    """The label of a recorded action; the action itself when unknown (an older entry)."""
    return dict(action_choices()).get(action, action)


def outcome_choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in AuditEntry.Outcome.choices]
