"""Queue-wide actions (retry all, promote all, clean, empty) in batches, off the request.

A run is a ``BulkRun`` row and a daemon thread with its own event loop. Each batch is one atomic
backend call; between batches the runner saves its progress and looks for a cancellation, so
closing the browser changes nothing, and a fault stops the run with an honest account of what
was done. A run whose process died is reported as interrupted once its heartbeat is stale.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.db import close_old_connections
from django.utils import timezone

from ..backends import backends
from ..backends.actions import ActionOutcome, QueueAction, QueueActionParams
from ..backends.base import QueueBackend
from ..backends.errors import BackendError
from ..conf import setting
from ..models import AuditEntry, BulkRun
from ..reading import forget
from ..states import JobState
from . import audit
from .errors import RunNotFound
from .jobs import check_allowed

logger = logging.getLogger("queues.bulk")

#: Progress is saved (and a cancellation noticed) at most this often, in seconds.
SAVE_EVERY = 0.25
#: A running run that has not saved progress for this long is considered interrupted.
STALE_AFTER = timedelta(seconds=120)

_FINAL_OUTCOME = {
    BulkRun.Status.FINISHED: AuditEntry.Outcome.OK,
    BulkRun.Status.CANCELLED: AuditEntry.Outcome.CANCELLED,
    BulkRun.Status.FAILED: AuditEntry.Outcome.ERROR,
}


def params_to_json(params: QueueActionParams) -> dict[str, Any]:
    data = asdict(params)
    data["state"] = params.state.value if params.state else None
    return data


def params_from_json(data: dict[str, Any]) -> QueueActionParams:
    state = JobState(data["state"]) if data.get("state") else None
    return QueueActionParams(
        state=state,
        grace_ms=int(data.get("grace_ms") or 0),
        limit=data.get("limit"),
        cutoff_ms=data.get("cutoff_ms"),
    )


async def start_run(
    user: Any, backend: QueueBackend, queue: str, action: QueueAction, params: QueueActionParams
) -> BulkRun:
    """Check, count, record and start a run; returns at once."""
    await check_allowed(user, backend, queue, action)
    expected = await backend.count_for(queue, action, params)
    if params.limit is not None:
        expected = min(expected, params.limit)
    run = await BulkRun.objects.acreate(
        action=action.value,
        backend=backend.alias,
        queue=queue,
        params=params_to_json(params),
        expected=expected,
        user_id=user.pk,
        username=user.get_username(),
    )
    await audit.record(
        user,
        action.value,
        backend.alias,
        queue,
        AuditEntry.Outcome.STARTED,
        params=run.params,
        message=f"Started on {expected} job(s).",
        run=run,
    )
    thread = threading.Thread(
        target=_run_in_thread, args=(run.pk,), name=f"queueboard-run-{run.pk}", daemon=True
    )
    thread.start()
    return run


def _run_in_thread(run_id: Any) -> None:
    try:
        asyncio.run(execute(run_id))
    except Exception:  # the run records its own failures; this is the last resort
        logger.exception("Bulk run %s crashed", run_id)
    finally:
        close_old_connections()


@dataclass
class Tally:
    """What a run has done so far: counts only (a run may touch millions of jobs)."""

    done: int = 0
    skipped: int = 0
    failed: int = 0
    batches: int = 0

    def add(self, step: ActionOutcome) -> None:
        self.done += step.done
        self.skipped += len(step.skipped)
        self.failed += len(step.failed)
        self.batches += 1

    def fields(self) -> dict[str, int]:
        return {"done": self.done, "skipped": self.skipped, "failed": self.failed,
                "batches": self.batches}  # fmt: skip


async def _save_progress(run_id: Any, tally: Tally) -> bool:
    """Save progress; False when the run is no longer running (someone asked to cancel)."""
    updated = await BulkRun.objects.filter(pk=run_id, status=BulkRun.Status.RUNNING).aupdate(
        heartbeat_at=timezone.now(), **tally.fields()
    )
    return updated == 1


async def execute(run_id: Any) -> None:
    run = await BulkRun.objects.aget(pk=run_id)
    backend = backends[run.backend]
    action = QueueAction(run.action)
    params = params_from_json(run.params)
    batch_size = int(setting("BULK_BATCH_SIZE"))
    tally = Tally()
    status, message = BulkRun.Status.FINISHED, ""
    saved_at = 0.0
    try:
        while True:
            if time.monotonic() - saved_at >= SAVE_EVERY:
                if not await _save_progress(run_id, tally):
                    status = BulkRun.Status.CANCELLED
                    break
                saved_at = time.monotonic()
            size = batch_size
            if params.limit is not None:
                size = min(size, params.limit - tally.done)
                if size <= 0:
                    break
            step = await backend.queue_step(run.queue, action, params, size)
            tally.add(step)
            forget(backend)
            if step.finished:
                break
    except BackendError as exc:
        status, message = BulkRun.Status.FAILED, f"Stopped: {exc}"
    finally:
        await backend.close()
    message = f"{message} {describe(tally)}".strip()
    # The audit entry first: once the run reads as finished, its record is complete.
    await audit.record(
        run, run.action, run.backend, run.queue, _FINAL_OUTCOME[status], params=run.params,
        counts=(tally.done, tally.skipped, tally.failed), message=message, run=run,
    )  # fmt: skip
    await BulkRun.objects.filter(pk=run_id).aupdate(
        status=status, message=message, finished_at=timezone.now(), heartbeat_at=timezone.now(),
        **tally.fields(),
    )  # fmt: skip


def describe(tally: Tally) -> str:
    text = f"{tally.done} done, {tally.skipped} skipped"
    if tally.skipped:
        text += " (they had already moved on)"
    return text + f", {tally.failed} failed."


async def get_run(run_id: str) -> BulkRun:
    try:
        run = await BulkRun.objects.aget(pk=uuid.UUID(str(run_id)))
    except (BulkRun.DoesNotExist, ValueError):
        raise RunNotFound(f"There is no bulk run {run_id!r}.") from None
    if run.is_active and timezone.now() - run.heartbeat_at > STALE_AFTER:
        run.status = BulkRun.Status.INTERRUPTED
        run.message = (
            f"The process running this stopped. {run.done} done, {run.skipped} skipped "
            "before it stopped; start the action again to finish."
        )
        await run.asave(update_fields=["status", "message"])
    return run


async def cancel_run(user: Any, run: BulkRun) -> BulkRun:
    if run.is_active:
        await BulkRun.objects.filter(pk=run.pk, status=BulkRun.Status.RUNNING).aupdate(
            status=BulkRun.Status.CANCELLING
        )
        await audit.record(
            user,
            f"cancel-{run.action}",
            run.backend,
            run.queue,
            AuditEntry.Outcome.OK,
            message="Cancellation requested.",
            run=run,
        )
        await run.arefresh_from_db()
    return run
