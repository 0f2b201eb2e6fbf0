"""RQ cron (rq >= 2.4) in the schedules capability, read-only (rq-scheduler's entries join
them: ``rq_scheduler``).

RQ's cron jobs are defined in code (the module ``rq cron`` runs); Redis holds only what each
running scheduler reports (``rq/cron.py``): ``rq:cron_schedulers`` (a sorted set of scheduler
names by heartbeat) and ``rq:cron_scheduler:<name>`` (a hash whose ``cron_jobs`` is a JSON list
of ``{func_name, name, queue_name, args, kwargs, interval, cron, latest_enqueue_time,
next_enqueue_time, ...}``), and each cron job's history ``rq:cron_job:<name>:jobs`` (job ids
by enqueue time). So the board lists them, with their next and last runs, and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext as _

from ...states import JobState
from .. import untrusted
from ..schedule_preview import preview
from ..schedule_types import (
    Schedule,
    ScheduleDetail,
    ScheduleNotFound,
    SchedulePage,
    ScheduleRun,
    ScheduleState,
)
from .decode import text, when
from .keys import STATUS_STATES, job_key
from .rq_scheduler import (
    SchedulerEntry,
    scheduler_detail,
    scheduler_entries,
    scheduler_schedule,
)
from .schedule_text import describe

SCHEDULERS_KEY = "rq:cron_schedulers"
#: At most this many schedulers are read (each is one running ``rq cron`` process).
MAX_SCHEDULERS = 200
#: Runs shown on a schedule's page (newest first, from its history).
RUNS_SHOWN = 20
#: A run this late (and not enqueued yet) is overdue.
GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class CronEntry:
    scheduler: str
    fields: Mapping[str, Any]

    @property
    def id(self) -> str:
        return f"{self.scheduler}:{self.fields.get('name') or self.fields.get('func_name')}"


async def cron_entries(client: Any, queue: str) -> list[CronEntry]:
    """The cron jobs of ``queue`` reported by every scheduler, in two round trips."""
    names = await client.zrange(SCHEDULERS_KEY, 0, MAX_SCHEDULERS - 1)
    if not names:
        return []
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.hget(f"rq:cron_scheduler:{text(name)}", "cron_jobs")
    replies = await pipe.execute()
    entries = []
    for name, raw in zip(names, replies, strict=True):
        try:
            jobs = untrusted.loads(text(raw) or "[]")
        except ValueError:
            continue
        for job in jobs if isinstance(jobs, list) else []:
            if isinstance(job, dict) and job.get("queue_name") == queue:
                entries.append(CronEntry(text(name) or "", job))
    return entries


def _schedule(backend: str, queue: str, entry: CronEntry, now: datetime) -> Schedule:
    job = entry.fields
    next_run = when(job.get("next_enqueue_time"))
    if next_run is None:
        state = ScheduleState.FINISHED
    elif next_run + GRACE < now:
        state = ScheduleState.OVERDUE
    elif next_run <= now:
        state = ScheduleState.DUE
    else:
        state = ScheduleState.SCHEDULED
    interval = job.get("interval")
    every = int(interval * 1000) if isinstance(interval, int | float) else None
    template = {"args": _json(job.get("args")) or [], "kwargs": _json(job.get("kwargs")) or {}}
    pattern = str(job["cron"]) if job.get("cron") else None
    return Schedule(
        backend=backend,
        queue=queue,
        id=entry.id,
        job_name=str(job.get("func_name") or ""),
        pattern=pattern,
        every=every,
        tz="UTC",
        description=describe(pattern, every),
        next_run_at=next_run,
        state=state,
        iterations=None,
        limit=None,
        read_only=_(
            "Defined in code and run by the rq cron scheduler %(name)r: the board shows it and "
            "cannot change it."
        )
        % {"name": entry.scheduler},
        template_data=json.dumps(template, ensure_ascii=False),
        template_opts=json.dumps(
            {
                k: v
                for k, v in job.items()
                if k in {"job_timeout", "result_ttl", "ttl", "failure_ttl"}
            }
        ),
    )


def _json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return untrusted.loads(value)
    except ValueError:
        return value


class RQSchedulesMixin:
    """``list_schedules`` and ``get_schedule`` from RQ cron's monitoring keys."""

    alias: str
    pool: Any
    supports_schedules: ClassVar[bool] = True

    if TYPE_CHECKING:

        async def _require_queue(self, client: Any, name: str) -> None: ...

    async def _entries(self, queue: str) -> list[tuple[Schedule, CronEntry | SchedulerEntry]]:
        client = self.pool.get()
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            entries = await cron_entries(client, queue)
            others = await scheduler_entries(client, queue)
        now = datetime.now(UTC)
        far = datetime.max.replace(tzinfo=UTC)
        pairs: list[tuple[Schedule, CronEntry | SchedulerEntry]] = [
            (_schedule(self.alias, queue, entry, now), entry) for entry in entries
        ]
        pairs += [(scheduler_schedule(self.alias, queue, other, now), other) for other in others]
        return sorted(pairs, key=lambda pair: (pair[0].next_run_at or far, pair[0].id))

    async def list_schedules(self, queue: str, start: int, stop: int) -> SchedulePage:
        schedules = [schedule for schedule, _entry in await self._entries(queue)]
        return SchedulePage(
            backend=self.alias,
            queue=queue,
            schedules=schedules[start : stop + 1],
            total=len(schedules),
            start=start,
            stop=stop,
        )

    async def get_schedule(self, queue: str, schedule_id: str) -> ScheduleDetail:
        found = [pair for pair in await self._entries(queue) if pair[0].id == schedule_id]
        if not found:
            raise ScheduleNotFound(queue, schedule_id)
        schedule, entry = found[0]
        if isinstance(entry, SchedulerEntry):
            client = self.pool.get()
            with self.pool.translate_errors():
                data = await client.hget(job_key(entry.job_id), "data")
            return scheduler_detail(schedule, entry, data)
        name = str(entry.fields.get("name") or "")
        client = self.pool.get()
        with self.pool.translate_errors():
            ids = await client.zrevrange(f"rq:cron_job:{name}:jobs", 0, RUNS_SHOWN - 1)
            pipe = client.pipeline(transaction=False)
            for job_id in ids:
                pipe.hmget(job_key(text(job_id) or ""), ["status", "started_at", "ended_at"])
            rows: Sequence[Any] = await pipe.execute() if ids else []
        runs = []
        for job_id, (status, started, ended) in zip(ids, rows, strict=True):
            state = STATUS_STATES.get(text(status) or "")
            if state not in {JobState.COMPLETED, JobState.FAILED, JobState.STOPPED}:
                continue
            started_at, finished_at = when(started), when(ended)
            took = (
                int((finished_at - started_at).total_seconds() * 1000)
                if started_at and finished_at
                else None
            )
            runs.append(ScheduleRun(text(job_id) or "", state, started_at, finished_at, took))
        shown, problem = preview(schedule, datetime.now(UTC))
        return ScheduleDetail(
            schedule=schedule,
            runs=tuple(runs),
            runs_scanned=len(ids),
            runs_scan_stopped=len(ids) >= RUNS_SHOWN,
            preview=shown,
            preview_problem=problem,
        )
