"""Board-wide actions: pause all, resume all, retry failed in all queues, as one bulk run.

One ``BulkRun`` (backend and queue ``*``) drives a step per queue, in order, and records each
queue's part in ``BulkRun.summary`` (``{"backend", "queue", "status", "done", "skipped",
"failed", "message"}``). Its targets are fixed when it starts: every queue the user can see
(the ACCESS rule and hidden queues apply) that the action applies to; queues the user may not
change (read-only backends and queues, a missing permission, a backend without the capability)
are listed as refused and left alone. Each backend call is one of the queue actions' own
bounded batches, so no call holds Redis longer than a queue-wide action's would; progress is
saved and a cancellation noticed between batches. One audit entry stands for the run and
carries every queue's outcome in its params when the run ends.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.db import close_old_connections
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..backends import backends
from ..backends.actions import QueueAction, QueueActionParams
from ..backends.errors import BackendError
from ..conf import setting
from ..language import english
from ..models import ACTIVE_STATUSES, AuditEntry, BulkRun
from ..reading import forget, overview_sections
from ..states import JobState
from . import audit, bulk
from .errors import ActionRefused
from .permissions import PERMISSION_FOR, lacks_permission, refusal
from .run_caps import RunInProgress, TooManyRuns
from .run_pool import pool

#: A board-wide run's backend and queue.
EVERYWHERE = "*"


@dataclass(frozen=True)
class BoardAction:
    name: str  # the run's action and the URL's last segment
    queue_action: QueueAction
    title: Any
    #: The confirmation's button: short (the overview's link), the title above says it all.
    button: Any


BOARD_ACTIONS: dict[str, BoardAction] = {
    "pause-all": BoardAction("pause-all", QueueAction.PAUSE, _("Pause all queues"), _("Pause all")),
    "resume-all": BoardAction(
        "resume-all", QueueAction.RESUME, _("Resume all queues"), _("Resume all")
    ),
    "retry-failed": BoardAction(
        "retry-failed",
        QueueAction.RETRY_ALL,
        _("Retry failed jobs in all queues"),
        _("Retry failed everywhere"),
    ),
}
RUN_ACTIONS = {f"board-{name}": action for name, action in BOARD_ACTIONS.items()}


def board_action(name: str) -> BoardAction:
    try:
        return BOARD_ACTIONS[name]
    except KeyError:
        message = format_lazy(_("Unknown board action {name}."), name=repr(name))
        raise ActionRefused(message) from None


def is_board_run(run: BulkRun) -> bool:
    return run.backend == EVERYWHERE and run.action in RUN_ACTIONS


@dataclass
class Plan:
    """What a board-wide action would do: the queues it acts on and the ones it refuses."""

    targets: list[dict[str, Any]]
    refused: list[dict[str, Any]]
    jobs: int

    def summary(self) -> list[dict[str, Any]]:
        rows = [{**t, "status": "pending", "done": 0, "skipped": 0, "failed": 0, "message": ""}
                for t in self.targets]  # fmt: skip
        rows += [{**r, "status": "refused", "done": 0, "skipped": 0, "failed": 0}
                 for r in self.refused]  # fmt: skip
        return rows


def _applies(action: BoardAction, paused: bool, failed: int) -> bool:
    if action.queue_action == QueueAction.PAUSE:
        return not paused
    if action.queue_action == QueueAction.RESUME:
        return paused
    return failed > 0


async def plan(user: Any, action: BoardAction) -> Plan:
    """The visible queues the action applies to, split into allowed and refused."""
    sections = await overview_sections(user)

    def split() -> Plan:
        targets, refused, jobs = [], [], 0
        for section in sections:
            for queue in section.queues:
                failed = queue.counts.get(JobState.FAILED, 0)
                if not _applies(action, queue.paused, failed):
                    continue
                row = {"backend": section.backend.alias, "queue": queue.name}
                state = JobState.FAILED if action.queue_action == QueueAction.RETRY_ALL else None
                reason = refusal(user, section.backend, queue.name, action.queue_action, state)
                if reason is None:
                    targets.append({**row, "jobs": failed})
                    jobs += failed
                else:
                    refused.append({**row, "jobs": failed, "message": english(reason)})
        return Plan(targets, refused, jobs)

    return await sync_to_async(split)()


async def start(user: Any, action: BoardAction) -> BulkRun:
    """Check, plan, record and queue the run; returns at once."""
    permission = PERMISSION_FOR[action.queue_action]
    run_action = f"board-{action.name}"
    if not await sync_to_async(user.has_perm)(permission):
        reason = lacks_permission(permission)
        outcome = AuditEntry.Outcome.REFUSED
        await audit.record(user, run_action, EVERYWHERE, EVERYWHERE, outcome, message=reason)
        raise ActionRefused(reason)
    active = BulkRun.objects.filter(status__in=ACTIVE_STATUSES)
    rival = await active.filter(action=run_action, backend=EVERYWHERE).afirst()
    if rival is not None:
        message = _("This board-wide action is already in progress (run {run}).")
        raise RunInProgress(format_lazy(message, run=rival.pk), str(rival.pk))
    cap = int(setting("BULK_RUNS_PER_USER"))
    if await active.filter(user_id=user.pk).acount() >= cap:
        message = _("You have {n} bulk run(s) in progress, the most one user may have.")
        raise TooManyRuns(format_lazy(message, n=cap))
    found = await plan(user, action)
    params = {"cutoff_ms": int(time.time() * 1000)}
    queues = len(found.targets)
    expected = found.jobs if action.queue_action == QueueAction.RETRY_ALL else queues
    run = await BulkRun.objects.acreate(
        action=run_action, backend=EVERYWHERE, queue=EVERYWHERE, params=params,
        expected=expected, user_id=user.pk, username=user.get_username(),
        status=BulkRun.Status.QUEUED, message=bulk.QUEUED_MESSAGE, summary=found.summary(),
    )  # fmt: skip
    await audit.record(
        user, run_action, EVERYWHERE, EVERYWHERE, AuditEntry.Outcome.STARTED,
        params={**params, "queues": run.summary},
        message=f"Started on {queues} queue(s), {len(found.refused)} refused.", run=run,
    )  # fmt: skip
    pool.submit(run.pk, _run_in_worker)
    return run


def _run_in_worker(run_id: Any) -> None:
    try:
        asyncio.run(execute(run_id))
    finally:
        close_old_connections()


async def _save(run: BulkRun, totals: bulk.Tally) -> bool:
    """Progress and the summary saved; False once someone asked to cancel."""
    updated = await BulkRun.objects.filter(pk=run.pk, status=BulkRun.Status.RUNNING).aupdate(
        heartbeat_at=timezone.now(), summary=run.summary, **totals.fields()
    )
    return updated == 1


async def execute(run_id: Any) -> None:
    if not await bulk.claim(run_id):
        return
    run = await BulkRun.objects.aget(pk=run_id)
    action = RUN_ACTIONS[run.action]
    retrying = action.queue_action == QueueAction.RETRY_ALL
    params = QueueActionParams(
        state=JobState.FAILED if retrying else None, cutoff_ms=run.params.get("cutoff_ms")
    )
    batch_size = int(setting("BULK_BATCH_SIZE")) if retrying else 1
    totals = bulk.Tally()
    status = BulkRun.Status.FINISHED
    saved_at = 0.0
    for row in run.summary:
        if row["status"] != "pending":
            continue
        if status == BulkRun.Status.CANCELLED:
            row["status"] = "cancelled"
            continue
        backend = backends[row["backend"]]
        tally = bulk.Tally()
        row["status"] = "running"
        try:
            while True:
                if time.monotonic() - saved_at >= bulk.SAVE_EVERY:
                    if not await _save(run, totals):
                        status = BulkRun.Status.CANCELLED
                        break
                    saved_at = time.monotonic()
                step = await backend.queue_step(row["queue"], action.queue_action, params,
                                                batch_size)  # fmt: skip
                tally.add(step)
                if retrying:
                    totals.add(step)
                forget(backend)
                if step.finished:
                    break
        except BackendError as exc:
            row["status"], row["message"] = "failed", english(exc)
        else:
            row["status"] = "cancelled" if status == BulkRun.Status.CANCELLED else "done"
            if not retrying and row["status"] == "done":  # a queue paused or resumed: one
                tally.done = 1
                totals.done += 1
                totals.batches += 1
        finally:
            await backend.close()
        row.update(done=tally.done, skipped=tally.skipped, failed=tally.failed)
    message = describe(run.summary)
    problems = any(row["status"] in ("failed", "refused") for row in run.summary)
    outcome = bulk.FINAL_OUTCOME[status]
    if status == BulkRun.Status.FINISHED and problems:
        outcome = AuditEntry.Outcome.PARTIAL
    counts = (totals.done, totals.skipped, totals.failed)
    await audit.finish(run, outcome, counts, message)
    await AuditEntry.objects.filter(run=run, action=run.action).aupdate(
        params={**run.params, "queues": run.summary}
    )
    await BulkRun.objects.filter(pk=run_id).aupdate(
        status=status, message=message, finished_at=timezone.now(), heartbeat_at=timezone.now(),
        summary=run.summary, **totals.fields(),
    )  # fmt: skip


def describe(summary: list[dict[str, Any]]) -> str:
    """In English, for the run and the audit log: how many queues came to what."""
    counts: dict[str, int] = {}
    for row in summary:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    order = ("done", "refused", "failed", "cancelled", "pending")
    parts = [f"{counts[name]} {name}" for name in order if counts.get(name)]
    return "Queues: " + (", ".join(parts) if parts else "none to act on") + "."


async def cancel(user: Any, run: BulkRun) -> BulkRun:
    """Cancel a board-wide run: the queue being worked on stops after its batch, the rest
    are left alone (marked cancelled)."""
    return await bulk.cancel_run(user, run)
