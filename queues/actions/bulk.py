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
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .. import failure_groups
from ..backends import backends
from ..backends.actions import ActionOutcome, QueueAction, QueueActionParams
from ..backends.base import QueueBackend
from ..backends.errors import BackendError
from ..conf import setting
from ..language import english
from ..models import AuditEntry, BulkRun
from ..reading import forget
from ..states import JobState
from . import audit, dead_letters, run_caps
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

#: The audit outcome of a run by how it ended (``final_outcome`` tells a partly done run).
FINAL_OUTCOME = {
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
        group=data.get("group"),
        force=bool(data.get("force")),
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
    if action in failure_groups.GROUP_ACTIONS:
        expected = await failure_groups.count_group(backend, queue, params)
    elif action == QueueAction.REPLAY_DEAD_LETTERS:
        expected = await dead_letters.count_replayable(backend, queue)
    else:
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
    await audit.record(
        user, action.value, backend, queue, outcome, params=data, message=english(exc)
    )


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


async def claim(run_id: Any) -> bool:
    """Queued to running; False when the run was cancelled (or is over) before its turn."""
    await BulkRun.objects.filter(pk=run_id, status=BulkRun.Status.QUEUED).aupdate(
        status=BulkRun.Status.RUNNING, message="", heartbeat_at=timezone.now()
    )
    status = await BulkRun.objects.filter(pk=run_id).values_list("status", flat=True).aget()
    return status in (BulkRun.Status.RUNNING, BulkRun.Status.CANCELLING)


async def execute(run_id: Any) -> None:
    if not await claim(run_id):
        return
    run = await BulkRun.objects.aget(pk=run_id)
    backend = backends[run.backend]
    action = QueueAction(run.action)
    params = params_from_json(run.params)
    batch_size = int(setting("BULK_BATCH_SIZE"))
    tally = Tally()
    user: Any = None
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
            if action in failure_groups.GROUP_ACTIONS:
                step = await failure_groups.group_step(backend, run.queue, action, params, size)
            elif action == QueueAction.REPLAY_DEAD_LETTERS:  # past the jobs left behind
                left = tally.skipped + tally.failed
                user = user or await _run_user(run)
                step = await dead_letters.replay_step(user, backend, run.queue, left, size)
            else:
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
    counts = (tally.done, tally.skipped, tally.failed)
    await audit.finish(run, final_outcome(status, tally), counts, message)
    await BulkRun.objects.filter(pk=run_id).aupdate(
        status=status, message=message, finished_at=timezone.now(), heartbeat_at=timezone.now(),
        **tally.fields(),
    )  # fmt: skip


async def _run_user(run: BulkRun) -> Any:
    """The user who started ``run`` (for actions that check each job's target queue)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser

    if run.user_id is None:
        return AnonymousUser()
    found = await get_user_model()._default_manager.filter(pk=run.user_id).afirst()
    return found or AnonymousUser()  # a deleted user may replay into no queue


def final_outcome(status: BulkRun.Status, tally: Tally) -> str:
    """A finished run is done, even with skips (jobs that moved on while it ran); skipped when
    it found only those; partly done or an error when jobs could not be acted on."""
    if status != BulkRun.Status.FINISHED:
        return FINAL_OUTCOME[status]
    if tally.failed:
        return AuditEntry.Outcome.PARTIAL if tally.done else AuditEntry.Outcome.ERROR
    if tally.skipped and not tally.done:
        return AuditEntry.Outcome.SKIPPED
    return AuditEntry.Outcome.OK


def describe(tally: Tally) -> str:
    text = f"{tally.done} done, {tally.skipped} skipped"
    if tally.skipped:
        text += " (they had already moved on)"
    return text + f", {tally.failed} failed."


async def get_run(run_id: str) -> BulkRun:
    try:
        run = await BulkRun.objects.aget(pk=uuid.UUID(str(run_id)))
    except (BulkRun.DoesNotExist, ValueError):
        missing = format_lazy(_("There is no bulk run {run}."), run=repr(run_id))
        raise RunNotFound(missing) from None
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
        counts = (run.done, run.skipped, run.failed)
        await audit.finish(run, AuditEntry.Outcome.ERROR, counts, message)
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
    await audit.finish(run, AuditEntry.Outcome.CANCELLED, (0, 0, 0), message)
    return True
