"""Template filters of the schedule pages."""

from __future__ import annotations

from datetime import UTC, datetime

from django import template

from ..backends.schedule_types import ScheduleState

register = template.Library()

#: The state colour each schedule state borrows from the job states.
_STATE_CLASS = {
    ScheduleState.SCHEDULED: "state-delayed",
    ScheduleState.DUE: "state-waiting",
    ScheduleState.OVERDUE: "state-failed",
    ScheduleState.FINISHED: "state-completed",
    ScheduleState.PAUSED: "state-paused",
}

#: The job page's fact naming the scheduler a job belongs to (``JobDetail.extra``).
SCHEDULER_FACT = "Job scheduler"


@register.filter
def schedule_state_class(state: ScheduleState) -> str:
    return _STATE_CLASS.get(state, "")


@register.filter
def scheduler_of(job: object) -> str:
    """The id of the schedule a job was made by, or ""."""
    for label, value in getattr(job, "extra", ()):
        if label == SCHEDULER_FACT and value:
            return str(value)
    return ""


@register.filter
def utc_iso(moment: datetime | None) -> str:
    """``2026-12-01T18:25:56.120Z``: the moment for ``<time datetime>`` and ``data-qb-age``
    (which time.js reads; Django's ``date`` filter has no milliseconds)."""
    if moment is None:
        return ""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


@register.filter
def utc_stamp(moment: datetime | None) -> str:
    """``2026-12-01 18:25:56 UTC``: the text time.js replaces with the viewer's zone."""
    if moment is None:
        return ""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


@register.simple_tag(name="schedule_rows")
def schedule_rows_tag(schedules: list[object], show_queue: bool) -> str:
    """The rows of a schedules table (``queues.schedule_rows``: built in Python, escaped)."""
    from ..schedule_rows import schedule_rows

    return schedule_rows(schedules, bool(show_queue))  # type: ignore[arg-type]
