"""Queue-wide actions (retry all, promote all, clean, empty) in batches, off the request.

A run is a ``BulkRun`` row, admitted within the caps of ``run_caps`` and done by one of the
process's few workers (``run_pool``), each with its own event loop; it is "queued" until a
worker takes it. Each batch is one atomic backend call; between batches the runner saves its
progress and looks for a cancellation, so closing the browser changes nothing, and a fault stops
the run with an honest account of what was done. A run whose process died is reported as
interrupted once its heartbeat is stale (the runners keep the heartbeats of queued runs fresh).
"""

from __future__ import annotations

import asyncio
import logging
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
from . import audit, run_caps
from .errors import RunNotFound
from .jobs import check_allowed
from .run_pool import pool

logger = logging.getLogger("queues.bulk")

#: Progress is saved (and a cancellation noticed) at most this often, in seconds.
SAVE_EVERY = 0.25
#: An active run whose heartbeat is older than this is considered interrupted.
STALE_AFTER = timedelta(seconds=120)
#: The heartbeats of the runs queued in this process are renewed this often (seconds).
KEEP_QUEUED_ALIVE_EVERY = 10.0
QUEUED_MESSAGE = "Queued: it starts when one of the board's workers is free."

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
    """Check, count, record and queue a run; returns at once.

    Raises ``ActionRefused`` (403), ``run_caps.RunInProgress`` (409) or ``TooManyRuns`` (429).
    """
    await check_allowed(user, backend, queue, action)
    data = params_to_json(params)
    try:
        await run_caps.check(user.pk, backend.alias, queue, action.value, data)
    except BackendError as exc:
        await _record_refusal(user, action, backend.alias, queue, data, exc)
        raise
    expected = await backend.count_for(queue, action, params)
    if params.limit is not None:
        expected = min(expected, params.limit)
    run = await BulkRun.objects.acreate(
        action=action.value,
        backend=backend.alias,
        queue=queue,
        params=data,
        expected=expected,
        user_id=user.pk,
        username=user.get_username(),
        status=BulkRun.Status.QUEUED,
        message=QUEUED_MESSAGE,
    )
    try:
        await run_caps.admit(run)
    except BackendError as exc:
        await _record_refusal(user, action, backend.alias, queue, data, exc)
        raise
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
    pool.submit(run.pk, _run_in_worker)
    return run


async def _record_refusal(
    user: Any, action: QueueAction, backend: str, queue: str, data: dict[str, Any], exc: Exception
) -> None:
    """A run over the caps is a refusal like any other (and bounded like them)."""
    outcome = AuditEntry.Outcome.REFUSED
    await audit.record(user, action.value, backend, queue, outcome, params=data, message=str(exc))


def _run_in_worker(run_id: Any) -> None:
    try:
        asyncio.run(execute(run_id))
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


_kept_alive_at = 0.0


async def _keep_queued_alive() -> None:
    """Renew the heartbeats of this process's queued runs: they are waiting, not lost."""
    global _kept_alive_at
    if time.monotonic() - _kept_alive_at < KEEP_QUEUED_ALIVE_EVERY:
        return
    _kept_alive_at = time.monotonic()
    waiting = pool.waiting()
    if waiting:
        await BulkRun.objects.filter(pk__in=waiting, status=BulkRun.Status.QUEUED).aupdate(
            heartbeat_at=timezone.now()
        )


async def _save_progress(run_id: Any, tally: Tally) -> bool:
    """Save progress; False when the run is no longer running (someone asked to cancel)."""
    updated = await BulkRun.objects.filter(pk=run_id, status=BulkRun.Status.RUNNING).aupdate(
        heartbeat_at=timezone.now(), **tally.fields()
    )
    await _keep_queued_alive()
    return updated == 1


async def _claim(run_id: Any) -> bool:
    """Queued to running; False when the run was cancelled (or is over) before its turn."""
    await BulkRun.objects.filter(pk=run_id, status=BulkRun.Status.QUEUED).aupdate(
        status=BulkRun.Status.RUNNING, message="", heartbeat_at=timezone.now()
    )
    status = await BulkRun.objects.filter(pk=run_id).values_list("status", flat=True).aget()
    return status in (BulkRun.Status.RUNNING, BulkRun.Status.CANCELLING)


async def execute(run_id: Any) -> None:
    if not await _claim(run_id):
        return
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
        if run.status == BulkRun.Status.QUEUED:
            message = "The process holding this run stopped before it started; start it again."
        else:
            message = (
                f"The process running this stopped. {run.done} done, {run.skipped} skipped "
                "before it stopped; start the action again to finish."
            )
        run.status, run.message = BulkRun.Status.INTERRUPTED, message
        await run.asave(update_fields=["status", "message"])
    return run


async def cancel_run(user: Any, run: BulkRun) -> BulkRun:
    if run.status == BulkRun.Status.QUEUED and await _cancel_queued(user, run):
        await run.arefresh_from_db()
        return run
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


async def _cancel_queued(user: Any, run: BulkRun) -> bool:
    """Cancel a run that has not started: it ends at once. False when it just started."""
    message = "Cancelled before it started. " + describe(Tally())
    cancelled = await BulkRun.objects.filter(pk=run.pk, status=BulkRun.Status.QUEUED).aupdate(
        status=BulkRun.Status.CANCELLED, message=message, finished_at=timezone.now()
    )
    if not cancelled:
        return False
    await audit.record(
        user, f"cancel-{run.action}", run.backend, run.queue, AuditEntry.Outcome.OK,
        message="Cancelled before it started.", run=run,
    )  # fmt: skip
    await audit.record(
        run, run.action, run.backend, run.queue, AuditEntry.Outcome.CANCELLED,
        params=run.params, counts=(0, 0, 0), message=message, run=run,
    )  # fmt: skip
    return True
