"""Dataclasses to JSON-ready dicts for the API (and live updates). Values stay untrusted data:
``JsonResponse`` escapes them for JSON; nothing here is ever marked safe for HTML."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .backends.actions import JobAction, QueueAction
from .backends.base import QueueBackend
from .backends.queue_display import queue_display
from .backends.types import (
    JobDetail,
    JobPage,
    JobRef,
    JobSummary,
    Payload,
    QueueSummary,
    WorkerInfo,
)
from .conf import setting


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _payload(value: Payload) -> Any:
    return value.as_api(int(setting("API_PAYLOAD_CAP")))


def queue_to_dict(backend: QueueBackend, queue: QueueSummary) -> dict[str, Any]:
    return {
        "backend": backend.alias,
        "backend_label": backend.label,
        "kind": backend.kind,
        "name": queue.name,
        "display_name": queue_display(backend, queue.name).display_name,
        "description": queue_display(backend, queue.name).description,
        "paused": queue.paused,
        "read_only": backend.is_queue_read_only(queue.name),
        "counts": {state.value: queue.counts.get(state, 0) for state in backend.states},
        # States counted but never listed (their job lists say why; ``unlisted`` there).
        "counted_only": [s.value for s in backend.states if s in backend.counted_only],
        "capabilities": backend.capabilities(),
        "actions": actions_to_dict(backend),
    }


def actions_to_dict(backend: QueueBackend) -> dict[str, dict[str, list[str]]]:
    """The backend's action table (``backends/applicability.py``): the states each job action
    it offers applies to, and the states each queue action takes its jobs from."""
    return {
        "jobs": {
            action.value: [s.value for s in backend.states if backend.action_applies(action, s)]
            for action in JobAction
            if backend.supports(action)
        },
        "queues": {
            action.value: [state.value for state in backend.queue_action_states(action)]
            for action in QueueAction
            if backend.supports(action) and backend.queue_action_states(action)
        },
    }


def ref_to_dict(ref: JobRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {
        "backend": ref.backend,
        "queue": ref.queue,
        "id": ref.id,
        "state": ref.state.value if ref.state else None,
    }


def job_summary_to_dict(job: JobSummary) -> dict[str, Any]:
    return {
        "backend": job.backend,
        "queue": job.queue,
        "id": job.id,
        "name": job.name,
        "state": job.state.value,
        "progress": _payload(job.progress),
        "attempts_made": job.attempts_made,
        "attempts_allowed": job.attempts_allowed,
        "attempts_started": job.attempts_started,
        "priority": job.priority,
        "created_at": _time(job.created_at),
        "processed_at": _time(job.processed_at),
        "finished_at": _time(job.finished_at),
        "due_at": _time(job.due_at),
        "failed_reason": job.failed_reason,
        "data_preview": job.data.preview(int(setting("PREVIEW_CHARS"))),
        "data_size": job.data.size,
        "problems": list(job.problems),
    }


def job_detail_to_dict(job: JobDetail) -> dict[str, Any]:
    summary = job_summary_to_dict(job)
    del summary["data_preview"]
    return {
        **summary,
        "data": _payload(job.data),
        "options": _payload(job.options),
        #: The options under the library's API names, when stored otherwise (else ``options``).
        "named_options": _payload(job.named_options or job.options),
        "return_value": _payload(job.return_value),
        "stacktrace": list(job.stacktrace),
        "logs": list(job.logs),
        "log_count": job.log_count,
        "worker": job.worker,
        "parent": ref_to_dict(job.parent),
        "children": [ref_to_dict(child) for child in job.children],
        "extra": {label: value for label, value in job.extra},
    }


def page_to_dict(page: JobPage) -> dict[str, Any]:
    return {
        "state": page.query.state.value,
        "page": page.query.page,
        "per_page": page.query.per_page,
        "pages": page.pages,
        "total": page.total,
        "jobs": [job_summary_to_dict(job) for job in page.jobs],
        "search": search_to_dict(page),
        # A state the backend counts but cannot list: why there are no rows (``total`` is
        # its count); None when the state is listed.
        "unlisted": page.unlisted,
    }


def worker_to_dict(worker: WorkerInfo) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "name": worker.name,
        "host": worker.host,
        "connections": worker.connections,
        "age_seconds": worker.age_seconds,
        "idle_seconds": worker.idle_seconds,
    }
    if worker.keeps_record:  # what a worker says of itself (RQ's worker hashes)
        shown |= {
            "state": worker.state,
            "current_job": worker.current_job,
            "heartbeat_at": worker.heartbeat_at.isoformat() if worker.heartbeat_at else None,
            "pid": worker.pid,
            "successful": worker.successful,
            "failed": worker.failed,
            "working_seconds": worker.working_seconds,
            "queues": list(worker.queues),
        }
    return shown


def search_to_dict(page: JobPage) -> dict[str, Any] | None:
    """For a search: its text, how many jobs of the state it read, and whether that was all;
    ``too_large`` only when some of the jobs read had a field too large to be searched."""
    if page.searched is None:
        return None
    found: dict[str, Any] = {
        "text": page.query.text,
        "scanned": page.searched.scanned,
        "in_state": page.searched.in_state,
        "complete": page.searched.complete,
    }
    if page.searched.too_large:
        found["too_large"] = page.searched.too_large
    return found


def outcome_to_dict(result: Any) -> dict[str, Any]:
    def skip(s: Any) -> dict[str, Any]:
        return {"id": s.job_id, "reason": s.reason, "state": s.state.value if s.state else None}

    return {
        "done": result.done,
        "done_ids": list(result.done_ids),
        "skipped": [skip(s) for s in result.skipped],
        "failed": [skip(s) for s in result.failed],
    }


def run_to_dict(run: Any) -> dict[str, Any]:
    return {
        "id": str(run.pk),
        "action": run.action,
        "backend": run.backend,
        "queue": run.queue,
        "params": run.params,
        "status": run.status,
        "expected": run.expected,
        "done": run.done,
        "skipped": run.skipped,
        "failed": run.failed,
        "batches": run.batches,
        "percent": run.percent,
        "message": run.message,
        "username": run.username,
        "created_at": _time(run.created_at),
        "finished_at": _time(run.finished_at),
    }


def audit_to_dict(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "created_at": _time(entry.created_at),
        "username": entry.username,
        "action": entry.action,
        "backend": entry.backend,
        "queue": entry.queue,
        "job_ids": entry.job_ids,
        "params": entry.params,
        "affected": entry.affected,
        "skipped": entry.skipped,
        "failed": entry.failed,
        "outcome": entry.outcome,
        "message": entry.message,
        "run": str(entry.run_id) if entry.run_id else None,
    }
