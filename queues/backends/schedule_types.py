"""The shared vocabulary of schedules (recurring jobs): what every backend with schedules returns.

Nothing here knows a backend: a schedule is an id, a job name, a cron pattern or an interval,
the next run the server holds, a state, and what the server knows of its runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from ..states import JobState
from .errors import BackendError


class ScheduleState(StrEnum):
    """Where a schedule stands now."""

    SCHEDULED = "scheduled"
    #: The next run's time has just passed and its job waits for a worker.
    DUE = "due"
    #: The next run is more than a grace period late and its job has not started.
    OVERDUE = "overdue"
    #: Its limit or end date was reached: it holds a past time and nothing is armed.
    FINISHED = "finished"
    #: The queue is paused, so the schedule does not advance.
    PAUSED = "paused"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    ScheduleState.SCHEDULED: _("Scheduled"),
    ScheduleState.DUE: _("Due now"),
    ScheduleState.OVERDUE: _("Overdue"),
    ScheduleState.FINISHED: _("Finished"),
    ScheduleState.PAUSED: _("Queue paused"),
}


@dataclass(frozen=True)
class Schedule:
    """One schedule as listed. Text fields come from producers: untrusted, escape on output."""

    backend: str
    queue: str
    id: str
    job_name: str
    pattern: str | None
    #: The interval in milliseconds, for interval schedules.
    every: int | None
    tz: str | None
    #: A human description of the pattern or interval ("At 09:00 AM"), or "".
    description: str
    #: The next run the server holds (its truth), or None when it holds none.
    next_run_at: datetime | None
    state: ScheduleState
    #: Runs so far (None where the server does not count them).
    iterations: int | None
    limit: int | None
    start_at: datetime | None = None
    end_at: datetime | None = None
    #: Written by an older client that the backend can show but not act on safely.
    legacy: bool = False
    #: Why the board shows it and cannot change it (defined in code, say), or "".
    read_only: str = ""
    #: Why it is legacy, or other problems with what the server holds (sentences).
    problems: tuple[str, ...] = ()
    #: The job that will run next, when one is armed, and its state.
    armed_job_id: str | None = None
    armed_state: JobState | None = None
    #: The template the runs are made from, as the server holds it (text, maybe not JSON).
    template_data: str | None = None
    template_opts: str | None = None
    offset: int | None = None


@dataclass(frozen=True)
class SchedulePage:
    """One page of a queue's schedules, soonest next run first."""

    backend: str
    queue: str
    schedules: list[Schedule]
    total: int
    start: int
    stop: int
    queue_paused: bool = False


@dataclass(frozen=True)
class ScheduleRun:
    """A finished run of a schedule, found among the queue's finished jobs."""

    job_id: str
    state: JobState
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None


@dataclass(frozen=True)
class ScheduleDetail:
    """One schedule in full: its last runs (a bounded scan) and a preview of its next runs."""

    schedule: Schedule
    runs: tuple[ScheduleRun, ...]
    #: How many finished jobs were looked at, and whether the scan stopped before the end.
    runs_scanned: int
    runs_scan_stopped: bool
    #: The next runs computed from the pattern (an estimate; the server's time wins).
    preview: tuple[datetime, ...] = ()
    preview_problem: str = ""


@dataclass(frozen=True)
class ScheduleEdit:
    """What an edit changes; exactly one of ``pattern`` and ``every``. ``data`` is kept when
    ``data_given`` is False."""

    pattern: str | None = None
    every: int | None = None
    tz: str | None = None
    limit: int | None = None
    end_at: datetime | None = None
    data: Any = None
    data_given: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class ScheduleNotFound(BackendError):
    status = 404
    code = "schedule_not_found"

    def __init__(self, queue: str, schedule_id: str) -> None:
        super().__init__(
            _("There is no schedule %(id)r in queue %(queue)r; it may have been removed.")
            % {"id": schedule_id, "queue": queue}
        )
        self.queue = queue
        self.schedule_id = schedule_id


class ScheduleConflict(BackendError):
    """The schedule cannot take this action now (nothing armed, legacy, finished)."""

    status = 409
    code = "conflict"


class InvalidSchedule(BackendError):
    """A pattern, time zone, interval, limit or date that cannot be used; nothing was written."""

    status = 400
    code = "invalid_schedule"
