"""Schedules as JSON-ready dicts, for the API and the audit log (text stays text: the JSON
responses escape it, templates autoescape it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .backends.schedule_types import Schedule, ScheduleDetail, SchedulePage, ScheduleRun

#: Characters of a template field kept in an audit entry.
AUDIT_TEMPLATE_CAP = 4000


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def schedule_to_dict(schedule: Schedule, *, template: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "backend": schedule.backend,
        "queue": schedule.queue,
        "id": schedule.id,
        "job_name": schedule.job_name,
        "pattern": schedule.pattern,
        "every": schedule.every,
        "tz": schedule.tz,
        "description": schedule.description,
        "next_run_at": _iso(schedule.next_run_at),
        "state": schedule.state.value,
        "state_label": schedule.state.label,
        "iterations": schedule.iterations,
        "limit": schedule.limit,
        "start_at": _iso(schedule.start_at),
        "end_at": _iso(schedule.end_at),
        "legacy": schedule.legacy,
        "read_only": schedule.read_only,
        "problems": list(schedule.problems),
        "armed_job_id": schedule.armed_job_id,
        "armed_state": schedule.armed_state.value if schedule.armed_state else None,
    }
    if template:
        data["template"] = {
            "data": _cap(schedule.template_data),
            "opts": _cap(schedule.template_opts),
        }
    return data


def _cap(text: str | None) -> str | None:
    if text is None or len(text) <= AUDIT_TEMPLATE_CAP:
        return text
    return text[:AUDIT_TEMPLATE_CAP] + "\u2026"


def run_to_dict(run: ScheduleRun) -> dict[str, Any]:
    return {
        "job_id": run.job_id,
        "state": run.state.value,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "duration_ms": run.duration_ms,
    }


def page_to_dict(page: SchedulePage) -> dict[str, Any]:
    return {
        "schedules": [schedule_to_dict(s) for s in page.schedules],
        "total": page.total,
        "start": page.start,
        "stop": page.stop,
        "queue_paused": page.queue_paused,
    }


def detail_to_dict(detail: ScheduleDetail) -> dict[str, Any]:
    schedule = schedule_to_dict(detail.schedule)
    schedule["template"] = {
        "data": detail.schedule.template_data,
        "opts": detail.schedule.template_opts,
    }
    return {
        "schedule": schedule,
        "runs": [run_to_dict(run) for run in detail.runs],
        "runs_scanned": detail.runs_scanned,
        "runs_scan_stopped": detail.runs_scan_stopped,
        "preview": [_iso(when) for when in detail.preview],
        "preview_is_estimate": True,
        "preview_problem": detail.preview_problem,
    }
