"""rq-scheduler's recurring jobs (the separate ``rq-scheduler`` package) in the schedules
capability, read-only.

rq-scheduler keeps one sorted set, ``rq:scheduler:scheduled_jobs`` (job id by its next run, in
Unix seconds), and one ordinary RQ job per entry, whose ``meta`` says how it repeats:
``interval`` (seconds) or ``cron_string`` (with ``use_local_timezone``), and ``repeat`` (runs
left). Each run enqueues that same job into its ``origin`` queue and puts it back into the set
with its next time, so the job's hash also tells how its last run went. One-off entries (no
``interval`` and no ``cron_string``) are not schedules and are left out.

``meta`` is written with the job's serializer, a pickle by default: it is read from the pickle's
opcodes (``decode.plain_value``), never unpickled. Changing an entry would mean loading the job
with RQ's API, which unpickles it, so the board shows them and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from ...states import JobState
from ..schedule_preview import preview
from ..schedule_types import Schedule, ScheduleDetail, ScheduleRun, ScheduleState
from .decode import call_data, plain_value, stamp, text, when
from .keys import STATUS_STATES, job_key
from .schedule_text import describe

SCHEDULED_JOBS_KEY = "rq:scheduler:scheduled_jobs"
#: Entries read at most from the sorted set (of every queue), soonest first.
MAX_ENTRIES = 2_000
#: rq-scheduler looks for due entries every 60 s by default: later than this is overdue.
GRACE = timedelta(minutes=2)
ID_PREFIX = "rq-scheduler:"
FIELDS = ("origin", "meta", "description", "status", "started_at", "ended_at")


@dataclass(frozen=True)
class SchedulerEntry:
    """One recurring entry: its job's id and hash fields and its next run."""

    job_id: str
    next_run_at: datetime | None
    meta: Mapping[str, Any]
    fields: Mapping[str, Any]

    @property
    def id(self) -> str:
        return ID_PREFIX + self.job_id


async def scheduler_entries(client: Any, queue: str) -> list[SchedulerEntry]:
    """The recurring entries whose jobs run in ``queue``, in two round trips."""
    members = await client.zrange(SCHEDULED_JOBS_KEY, 0, MAX_ENTRIES - 1, withscores=True)
    if not members:
        return []
    pipe = client.pipeline(transaction=False)
    for member, _score in members:
        pipe.hmget(job_key(text(member) or ""), list(FIELDS))
    replies = await pipe.execute()
    entries = []
    for (member, score), values in zip(members, replies, strict=True):
        fields = dict(zip(FIELDS, values, strict=True))
        if text(fields["origin"]) != queue:
            continue
        meta = plain_value(fields["meta"])
        if not isinstance(meta, dict) or not (meta.get("interval") or meta.get("cron_string")):
            continue
        entries.append(SchedulerEntry(text(member) or "", stamp(score), meta, fields))
    return entries


def scheduler_schedule(backend: str, queue: str, entry: SchedulerEntry, now: datetime) -> Schedule:
    meta = entry.meta
    next_run = entry.next_run_at
    if next_run is None:
        state = ScheduleState.FINISHED
    elif next_run + GRACE < now:
        state = ScheduleState.OVERDUE
    elif next_run <= now:
        state = ScheduleState.DUE
    else:
        state = ScheduleState.SCHEDULED
    interval = meta.get("interval")
    every = int(interval * 1000) if isinstance(interval, int | float) and interval > 0 else None
    cron = meta.get("cron_string")
    local = bool(meta.get("use_local_timezone"))
    pattern = str(cron) if isinstance(cron, str) and cron else None
    read_only = _(
        "Run by rq-scheduler: the board shows it and cannot change it (changing it would mean "
        "unpickling its job)."
    )
    if local:
        read_only += " " + _("Its times follow the time zone of the machine rq-scheduler runs on.")
    repeat = meta.get("repeat")
    left = repeat if isinstance(repeat, int) and not isinstance(repeat, bool) else None
    description = text(entry.fields.get("description")) or ""
    status = STATUS_STATES.get(text(entry.fields.get("status")) or "")
    return Schedule(
        backend=backend,
        queue=queue,
        id=entry.id,
        job_name=description.split("(", 1)[0] if description else entry.job_id,
        pattern=pattern,
        every=every,
        tz=None if local else "UTC",
        description=describe(pattern, every, left),
        next_run_at=next_run,
        state=state,
        iterations=None,
        limit=None,
        read_only=read_only,
        armed_job_id=entry.job_id,
        armed_state=status,
    )


def scheduler_detail(
    schedule: Schedule, entry: SchedulerEntry, data: bytes | None
) -> ScheduleDetail:
    """Its last run, as the job's own hash tells it (every run is that same job), and that job's
    arguments as its template (``data``: the job's stored call; a pickle stays opaque)."""
    arguments = call_data(data).arguments
    schedule = replace(schedule, template_data=arguments.text or None)
    state = STATUS_STATES.get(text(entry.fields.get("status")) or "")
    started, ended = when(entry.fields.get("started_at")), when(entry.fields.get("ended_at"))
    runs: tuple[ScheduleRun, ...] = ()
    if state in {JobState.COMPLETED, JobState.FAILED, JobState.STOPPED}:
        took = int((ended - started).total_seconds() * 1000) if started and ended else None
        runs = (ScheduleRun(entry.job_id, state, started, ended, took),)
    if entry.meta.get("use_local_timezone"):
        shown: tuple[datetime, ...] = ()
        problem = _("No estimate: its times follow the time zone of rq-scheduler's machine.")
    else:
        shown, problem = preview(schedule, datetime.now(UTC))
    return ScheduleDetail(
        schedule=schedule,
        runs=runs,
        runs_scanned=1,
        runs_scan_stopped=False,
        preview=shown,
        preview_problem=problem,
    )
