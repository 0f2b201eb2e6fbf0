"""Why an RQ action left a job alone: the texts users read, one function per reason."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ...language import Text
from ...states import JobState
from ..actions import Skip

#: RQ's job status -> the board's state.
STATE_OF_STATUS: dict[str, JobState] = {
    "queued": JobState.WAITING,
    "started": JobState.ACTIVE,
    "deferred": JobState.DEFERRED,
    "scheduled": JobState.DELAYED,
    "finished": JobState.COMPLETED,
    "failed": JobState.FAILED,
    "stopped": JobState.STOPPED,
    "canceled": JobState.CANCELED,
}


def state_of(status: str) -> JobState | None:
    return STATE_OF_STATUS.get(status)


def missing(job_id: str) -> Skip:
    return Skip(job_id, format_lazy(_("Job {job} was not found."), job=job_id), missing=True)


def moved_on(job_id: str, wanted: Text, status: str) -> Skip:
    """The job is no longer where the action takes jobs from (``wanted``, a phrase)."""
    state = state_of(status)
    now = state.phrase_lazy if state else _("in no state list")
    message = _("Job {job} is no longer {wanted}; it is now {now}.")
    return Skip(job_id, format_lazy(message, job=job_id, wanted=wanted, now=now), state)


def running(job_id: str, status: str) -> Skip:
    if status == "queued":
        message = _("Job {job} is being started by a worker; it was left alone.")
    else:
        message = _("Job {job} is running; stop it first.")
    return Skip(job_id, format_lazy(message, job=job_id), JobState.ACTIVE)


def other_queue(job_id: str, origin: str) -> Skip:
    message = _("Job {job} belongs to queue {queue}; act on it there.")
    return Skip(job_id, format_lazy(message, job=job_id, queue=repr(origin)))


def nobody_listening(job_id: str) -> Skip:
    message = _(
        "No worker received the command to stop job {job}: the worker running it is gone or "
        "does not listen for commands."
    )
    return Skip(job_id, format_lazy(message, job=job_id), JobState.ACTIVE)


def failure(job_id: str, reply: object) -> Skip:
    message = _("Job {job} could not be changed: {reply}")
    return Skip(job_id, format_lazy(message, job=job_id, reply=reply))


#: The phrase of where each job action takes its jobs from ("no longer ...").
WANTED: dict[str, Text] = {
    "retry": _("failed or stopped"),
    "promote": _("scheduled or deferred"),
    "cancel": _("waiting, scheduled or deferred"),
    "stop": _("running"),
    "remove": _("removable"),
}
