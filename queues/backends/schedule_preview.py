"""The next runs of any backend's schedule, computed from its pattern or interval: an
estimate for the schedule's page (the server's stored next run is the truth and comes first)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from . import cron
from .schedule_types import Schedule, ScheduleState

#: Runs a schedule's page shows ahead.
PREVIEW_COUNT = 5


def preview(schedule: Schedule, now: datetime) -> tuple[tuple[datetime, ...], str]:
    """The next runs (an estimate) and why there are none, if so."""
    if schedule.state == ScheduleState.FINISHED:
        return (), _("Finished: no more runs.")
    if schedule.pattern:
        start = max(now, schedule.start_at) if schedule.start_at else now
        if schedule.next_run_at and schedule.next_run_at > start:
            # The server's next run is the first; the rest follow it.
            rest = cron.preview(
                schedule.pattern, schedule.tz, schedule.next_run_at, PREVIEW_COUNT - 1
            )
            runs = (schedule.next_run_at, *rest)
        else:
            runs = cron.preview(schedule.pattern, schedule.tz, start, PREVIEW_COUNT)
        if not runs:
            return (), _("The pattern cannot be evaluated.")
    elif schedule.every and schedule.every > 0 and schedule.next_run_at:
        runs = cron.preview_every(schedule.next_run_at, schedule.every, PREVIEW_COUNT)
    else:
        return (), _("No next run can be computed.")
    runs = tuple(run for run in runs if schedule.end_at is None or run <= schedule.end_at)
    if schedule.limit is not None and schedule.iterations is not None:
        runs = runs[: max(schedule.limit - schedule.iterations + 1, 0)]
    return runs, ""
