"""Why an action left a job alone: the texts users read, one function per reason."""

from __future__ import annotations

from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ...language import Text
from ...states import JobState
from ..actions import Skip


def failure(job_id: str, reply: Any) -> Skip:
    return Skip(
        job_id, format_lazy(_("Job {job} could not be changed: {reply}"), job=job_id, reply=reply)
    )


def missing(job_id: str) -> Skip:
    return Skip(job_id, format_lazy(_("Job {job} was not found."), job=job_id), missing=True)


def completed_not_retried(job_id: str) -> Text:
    return format_lazy(_("Job {job} is completed; only failed jobs were retried."), job=job_id)


def running(job_id: str) -> Text:
    return format_lazy(_("Job {job} is running/locked; it cannot be removed."), job=job_id)


def no_longer(job_id: str, wanted: str, state: JobState | None) -> Text:
    now = state.phrase_lazy if state else _("in no state list")
    message = _("Job {job} is no longer {wanted}; it is now {now}.")
    return format_lazy(message, job=job_id, wanted=JobState(wanted).phrase_lazy, now=now)


def not_removed(job_id: str, why: str, state: JobState | None) -> Text:
    if why == "scheduler":
        message = _(
            "Job {job} is the next run of a schedule: BullMQ does not remove it alone, which "
            "would stop the schedule. Remove the schedule instead."
        )
        return format_lazy(message, job=job_id)
    if state == JobState.ACTIVE:
        return running(job_id)
    message = _("Job {job} has a running/locked child job; it cannot be removed.")
    return format_lazy(message, job=job_id)
