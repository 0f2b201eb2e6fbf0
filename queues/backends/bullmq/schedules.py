"""BullMQ job schedulers (and legacy repeatable jobs): read in one script call per page, acted on
by the official ``bullmq`` package (``upsertJobScheduler``, ``removeJobScheduler``) and
BullMQ's own ``promote`` script.

Reading never changes anything (Node's ``getJobSchedulers`` deletes members without a hash;
we show them as "missing template"). The Redis score is the truth for the next run; the
preview is computed with ``cronsim`` (correct across DST).
"""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import redis.asyncio
from django.utils.translation import gettext as _

from ...states import JobState
from .. import cron, untrusted
from ..errors import BackendError
from ..schedule_preview import preview
from ..schedule_types import (
    InvalidSchedule,
    Schedule,
    ScheduleConflict,
    ScheduleDetail,
    ScheduleEdit,
    ScheduleNotFound,
    SchedulePage,
    ScheduleRun,
    ScheduleState,
)
from .client import _lua
from .decode import text
from .keys import QueueKeys
from .reads import OVERDUE_GRACE_MS

#: Most schedules one page reads.
MAX_PAGE = 500
#: Bytes of a template field returned in a list, and on a schedule's own page.
LIST_FIELD_CAP = 2048
DETAIL_FIELD_CAP = 262_144
#: A next run later than this is overdue rather than due now.
DUE_GRACE_MS = OVERDUE_GRACE_MS
#: Finished jobs looked at per set (completed, failed) for a schedule's last runs, and kept.
RUNS_SCAN = 2000
RUNS_KEPT = 10

_MD5 = re.compile(r"^[0-9a-f]{32}$")

_scripts: weakref.WeakKeyDictionary[redis.asyncio.Redis, tuple[Any, Any]] = (
    weakref.WeakKeyDictionary()
)


def _scripts_for(client: redis.asyncio.Redis) -> tuple[Any, Any]:
    found = _scripts.get(client)
    if found is None:
        found = (
            client.register_script(_lua("schedules.lua")),
            client.register_script(_lua("schedule_runs.lua")),
        )
        _scripts[client] = found
    return found


def _now_ms() -> int:
    return round(time.time() * 1000)


def _datetime(ms: int | None) -> datetime | None:
    if ms is None:
        return None
    try:
        return datetime.fromtimestamp(ms / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _int(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (ValueError, OverflowError):
        return None


def legacy_kind(member: str, fields: Mapping[str, str]) -> str | None:
    """Why a member of ``repeat`` is a legacy repeatable job (not a job scheduler), or None.

    The rule of Node v6's ``hasLegacyRepeatableKeyShape``: a hash with ``ic``, ``data`` or
    ``opts`` is a scheduler; ``name:id:endDate:tz:pattern`` is a pre-5.16 key; a 32-hex member
    with a bare hash is a 5.16-5.x ``add(..., {repeat})`` (or an old scheduler that never ran).
    """
    if any(name in fields for name in ("ic", "data", "opts")):
        return None
    parts = member.split(":")
    if len(parts) >= 5:
        end, suffix = parts[2], ":".join(parts[4:])
        if (end == "" or end.isdigit()) and (" " in suffix or suffix.isdigit()):
            return _("A repeatable job of BullMQ before 5.16 (key name:id:endDate:tz:pattern).")
    if _MD5.match(member) and fields:
        return _(
            "A repeatable job added with repeat options by BullMQ 5.x (or an old scheduler "
            "that never ran); BullMQ 6 workers do not schedule its next run."
        )
    return None


def decode(
    alias: str,
    queue: str,
    row: list[Any],
    *,
    paused: bool,
    now_ms: int,
) -> Schedule:
    """One row of ``schedules.lua`` as a ``Schedule``; nothing in it is trusted."""
    member = text(row[0]) or ""
    score = _int(text(row[1])) if row[1] is not None else None
    raw = list(row[2] or [])
    fields = {text(raw[i]) or "": text(raw[i + 1]) or "" for i in range(0, len(raw) - 1, 2)}
    cut = list(row[3] or [])
    cut_fields = {text(cut[i]) or "" for i in range(0, len(cut), 2)}
    armed_code = int(row[4] or 0)
    problems: list[str] = []
    legacy = legacy_kind(member, fields)
    pattern = fields.get("pattern") or None
    every = _int(fields.get("every"))
    name = fields.get("name")
    tz = fields.get("tz") or None
    if legacy and not fields:  # name:id:endDate:tz:pattern, no hash
        parts = member.split(":")
        name = parts[0]
        tz = parts[3] or None
        suffix = ":".join(parts[4:])
        if suffix.isdigit():
            every = int(suffix)
        else:
            pattern = suffix
    if legacy:
        problems.append(legacy)
    elif not fields:
        problems.append(
            _("Missing template: the scheduler's hash is gone (only its id and next run remain).")
        )
    for field in ("every", "limit", "ic", "startDate", "endDate", "offset"):
        if fields.get(field) and _int(fields.get(field)) is None:
            problems.append(_("The field %(field)s is not a number.") % {"field": field})
    for field in ("data", "opts"):
        if field in fields and field not in cut_fields:
            try:
                untrusted.loads(fields[field])
            except (ValueError, UnicodeDecodeError):
                problems.append(_("The template's %(field)s is not JSON.") % {"field": field})
    description = ""
    if pattern:
        try:
            cron.check(pattern, tz)
            description = cron.describe(pattern)
        except InvalidSchedule as exc:
            problems.append(str(exc))
    elif every and every > 0:
        description = cron.describe_every(every)
    iterations = _int(fields.get("ic"))
    limit = _int(fields.get("limit"))
    end_ms = _int(fields.get("endDate"))
    armed_id = f"repeat:{member}:{score}" if armed_code and score is not None else None
    armed_state = JobState.DELAYED if armed_code == 1 else None
    state = _state(score, armed_code, paused, now_ms, legacy is not None)
    return Schedule(
        backend=alias,
        queue=queue,
        id=member,
        job_name=name if name is not None else member,
        pattern=pattern,
        every=every,
        tz=tz,
        description=description,
        next_run_at=_datetime(score),
        state=state,
        iterations=iterations,
        limit=limit,
        start_at=_datetime(_int(fields.get("startDate"))),
        end_at=_datetime(end_ms),
        legacy=legacy is not None,
        problems=tuple(problems),
        armed_job_id=armed_id,
        armed_state=armed_state,
        template_data=fields.get("data"),
        template_opts=fields.get("opts"),
        offset=_int(fields.get("offset")),
    )


def _state(score: int | None, armed: int, paused: bool, now_ms: int, legacy: bool) -> ScheduleState:
    late = now_ms - score if score is not None else None
    if score is None or (not armed and not legacy and late is not None and late > 0):
        return ScheduleState.FINISHED  # nothing armed and its time passed: limit or end reached
    if paused:
        return ScheduleState.PAUSED
    if late is not None and late > 0:
        return ScheduleState.DUE if late <= DUE_GRACE_MS else ScheduleState.OVERDUE
    return ScheduleState.SCHEDULED


def cronsim_strategy(millis: int, opts: Mapping[str, Any]) -> int | None:
    """The repeat strategy given to the ``bullmq`` package: its own croniter one gets DST wrong
    (a daily 09:00 New York schedule lands at 10:00 on 1 November)."""
    pattern = opts.get("pattern")
    if not pattern:
        return None
    if opts.get("immediately"):
        return _now_ms()
    base = millis
    start = opts.get("startDate")
    if isinstance(start, int | float) and start > base:
        base = int(start)
    return cron.next_millis(str(pattern), opts.get("tz"), base)


# -- the mixin -----------------------------------------------------------------------------------


class BullMQSchedulesMixin:
    """Mixed into ``BullMQBackend``: uses its ``pool``, ``prefix``, ``url``, ``_require_queue``."""

    alias: str
    prefix: str
    url: str
    pool: Any
    _require_queue: Callable[..., Any]

    async def _read(
        self, queue: str, start: int, stop: int, one: str = "", cap: int = LIST_FIELD_CAP
    ) -> tuple[int, bool, list[Schedule]]:
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        script, _runs = _scripts_for(client)
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            total, paused, kind, rows = await script(
                keys=[
                    keys.key("repeat"),
                    keys.key("meta"),
                    keys.key("delayed"),
                    keys.key("completed"),
                    keys.key("failed"),
                ],
                args=[keys.base, start, stop, cap, one],
            )
        if text(kind) not in ("zset", "none"):
            raise BackendError(
                _(
                    "The key %(key)s is not a sorted set (it is a %(kind)s): "
                    "no schedules can be read."
                )
                % {"key": keys.key("repeat"), "kind": text(kind)}
            )
        now = _now_ms()
        schedules = [
            decode(self.alias, queue, row, paused=bool(paused), now_ms=now) for row in rows
        ]
        return int(total), bool(paused), schedules

    async def list_schedules(self, queue: str, start: int, stop: int) -> SchedulePage:
        start = max(int(start), 0)
        stop = min(max(int(stop), start), start + MAX_PAGE - 1)
        total, paused, schedules = await self._read(queue, start, stop)
        return SchedulePage(self.alias, queue, schedules, total, start, stop, paused)

    async def _one(self, queue: str, schedule_id: str, cap: int = LIST_FIELD_CAP) -> Schedule:
        if not schedule_id:
            raise ScheduleNotFound(queue, schedule_id)
        _total, _paused, found = await self._read(queue, 0, 0, schedule_id, cap)
        if not found:
            raise ScheduleNotFound(queue, schedule_id)
        return found[0]

    async def get_schedule(self, queue: str, schedule_id: str) -> ScheduleDetail:
        schedule = await self._one(queue, schedule_id, DETAIL_FIELD_CAP)
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        _script, runs_script = _scripts_for(client)
        with self.pool.translate_errors():
            scanned, stopped, rows = await runs_script(
                keys=[keys.key("completed"), keys.key("failed")],
                args=[keys.base, f"repeat:{schedule_id}:", schedule_id, RUNS_SCAN, RUNS_KEPT],
            )
        runs = []
        for row in rows:
            processed, finished = _int(text(row[2])), _int(text(row[3]))
            runs.append(
                ScheduleRun(
                    job_id=text(row[0]) or "",
                    state=JobState.COMPLETED if int(row[1]) == 1 else JobState.FAILED,
                    started_at=_datetime(processed),
                    finished_at=_datetime(finished),
                    duration_ms=finished - processed
                    if processed is not None and finished is not None and finished >= processed
                    else None,
                )
            )
        far_past = datetime.min.replace(tzinfo=UTC)
        runs.sort(key=lambda run: run.finished_at or far_past, reverse=True)
        shown, problem = preview(schedule, datetime.now(UTC))
        return ScheduleDetail(
            schedule=schedule,
            runs=tuple(runs[:RUNS_KEPT]),
            runs_scanned=int(scanned),
            runs_scan_stopped=bool(stopped),
            preview=shown,
            preview_problem=problem,
        )

    # -- actions ---------------------------------------------------------------------------------

    async def run_schedule_now(self, queue: str, schedule_id: str) -> Schedule:
        from .job_actions import promote

        schedule = await self._one(queue, schedule_id)
        _refuse_legacy(schedule)
        if schedule.armed_job_id is None or schedule.armed_state != JobState.DELAYED:
            if schedule.state == ScheduleState.FINISHED:
                reason = _(
                    "Nothing to run: the schedule has finished (its limit or end date was reached)."
                )
            elif schedule.armed_job_id:
                reason = _(
                    "Its next run (job %(job)s) is no longer delayed: "
                    "it is already waiting or running."
                ) % {"job": schedule.armed_job_id}
            else:
                reason = _("Nothing is armed: no delayed job waits for the schedule's next run.")
            raise ScheduleConflict(reason)
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        with self.pool.translate_errors():
            outcome = await promote(client, keys, [schedule.armed_job_id])
        if outcome.done != 1:
            problems = outcome.skipped + outcome.failed
            raise ScheduleConflict(problems[0].reason if problems else _("The run did not start."))
        return schedule

    async def edit_schedule(
        self, queue: str, schedule_id: str, edit: ScheduleEdit
    ) -> tuple[Schedule, Schedule]:
        before = await self._one(queue, schedule_id, DETAIL_FIELD_CAP)
        _refuse_legacy(before)
        repeat = _repeat_options(before, edit)
        data = edit.data if edit.data_given else _stored_json(before.template_data, "data", {})
        opts = _stored_json(before.template_opts, "opts", {})
        if not isinstance(opts, dict):
            raise ScheduleConflict(
                _("The stored template options are not a JSON object; they cannot be kept.")
            )
        with self.pool.translate_errors():
            await self._refuse_if_advanced(queue, before)
            await self._upsert(queue, schedule_id, repeat, before.job_name, data, opts)
        after = await self._one(queue, schedule_id)
        return before, after

    async def _refuse_if_advanced(self, queue: str, before: Schedule) -> None:
        """Refuse the edit when a worker advanced the chain since ``before`` was read (its
        armed job started and the next one was armed): an upsert built from ``before`` would
        put its runs so far back and replace a run already armed. One round trip, just before
        the upsert; the window left is that of the package's own script call."""
        keys = QueueKeys(self.prefix, queue)
        pipe = self.pool.get().redis.pipeline(transaction=False)
        pipe.zscore(keys.key("repeat"), before.id)
        pipe.hget(keys.key(f"repeat:{before.id}"), "ic")
        score, ic = await pipe.execute()
        was = round(before.next_run_at.timestamp() * 1000) if before.next_run_at else None
        now = round(float(score)) if score is not None else None
        if now != was or _int(text(ic)) != before.iterations:
            raise ScheduleConflict(
                _(
                    "The schedule ran meanwhile: a worker started its next run and armed the "
                    "one after it. Nothing was changed; look at it again and retry the edit."
                )
            )

    async def remove_schedule(self, queue: str, schedule_id: str) -> Schedule:
        before = await self._one(queue, schedule_id)
        _refuse_legacy(before)
        with self.pool.translate_errors():
            package_queue = self._schedules_package_queue(queue)
            try:
                result = await package_queue.removeJobScheduler(schedule_id)
            finally:
                await package_queue.close()
        if result == 1:  # Python bullmq: 0 removed, 1 absent (the opposite of Node's boolean)
            raise ScheduleNotFound(queue, schedule_id)
        return before

    def _schedules_package_queue(self, queue: str) -> Any:
        try:
            from bullmq import Queue
        except ImportError:
            raise BackendError(
                _(
                    "Changing schedules needs the 'bullmq' package: "
                    "pip install 'django-queueboard[bullmq]'."
                )
            ) from None
        # A client of ours (decoding, as the package expects): the same server, TLS options
        # and Sentinel master as every other read and action.
        connection = self.pool.connection.async_client(
            decode_responses=True,
            socket_timeout=self.pool.socket_timeout,
            socket_connect_timeout=self.pool.connect_timeout,
        )
        return Queue(queue, {"connection": connection, "prefix": self.prefix})

    async def _upsert(
        self,
        queue: str,
        schedule_id: str,
        repeat: dict[str, Any],
        name: str,
        data: Any,
        opts: dict[str, Any],
    ) -> None:
        from bullmq.job_scheduler import JobScheduler

        package_queue = self._schedules_package_queue(queue)
        try:
            scheduler = JobScheduler(package_queue, repeat_strategy=cronsim_strategy)
            await scheduler.upsertJobScheduler(schedule_id, repeat, name, data, opts)
        except (ValueError, TypeError) as exc:
            raise InvalidSchedule(str(exc)) from None
        finally:
            await package_queue.close()


def _refuse_legacy(schedule: Schedule) -> None:
    if schedule.legacy:
        raise ScheduleConflict(
            _(
                "This is a legacy repeatable job: it is shown read-only, "
                "as no safe action exists for it."
            )
        )


def _stored_json(raw: str | None, field: str, default: Any) -> Any:
    if raw is None or raw == "":
        return default
    try:
        return untrusted.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ScheduleConflict(
            _("The stored template %(field)s is not JSON; it cannot be kept by an edit.")
            % {"field": field}
        ) from None


def _repeat_options(before: Schedule, edit: ScheduleEdit) -> dict[str, Any]:
    """The repeat options of an upsert, checked before anything is written."""
    if bool(edit.pattern) == bool(edit.every):
        raise InvalidSchedule(_("Give either a cron pattern or an interval (every), not both."))
    repeat: dict[str, Any] = {}
    zone = cron.zone(edit.tz)
    if edit.pattern:
        cron.check(edit.pattern, edit.tz)
        repeat["pattern"] = cron.expand(edit.pattern)
        if zone is not None:
            repeat["tz"] = edit.tz
    else:
        if not isinstance(edit.every, int) or isinstance(edit.every, bool) or edit.every < 1:
            raise InvalidSchedule(
                _("The interval (every) must be a whole number of milliseconds, at least 1.")
            )
        repeat["every"] = edit.every
        if before.offset:
            repeat["offset"] = before.offset
    iterations = before.iterations or 0
    if edit.limit is not None:
        if isinstance(edit.limit, bool) or not isinstance(edit.limit, int) or edit.limit < 1:
            raise InvalidSchedule(_("The limit must be a whole number, at least 1."))
        if edit.limit < iterations:
            raise InvalidSchedule(
                _(
                    "The schedule has already made %(count)d runs; "
                    "a limit below that would end it at once."
                )
                % {"count": iterations}
            )
        repeat["limit"] = edit.limit
    if edit.end_at is not None:
        end_ms = int(edit.end_at.timestamp() * 1000)
        if end_ms <= _now_ms():
            raise InvalidSchedule(_("The end date is in the past."))
        repeat["endDate"] = end_ms
    if before.start_at is not None:
        repeat["startDate"] = int(before.start_at.timestamp() * 1000)
    if iterations:
        # The armed run being replaced is iteration ``ic``; the new one keeps that number.
        repeat["count"] = iterations - 1
    return repeat
