"""Retry, promote or remove one job or a selection, synchronously, checked and audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async

from ..backends.actions import ActionOutcome, JobAction, QueueAction
from ..backends.base import QueueBackend
from ..backends.errors import BackendError, JobNotFound
from ..models import AuditEntry
from ..reading import forget
from ..states import JobState
from . import audit
from .errors import ActionRefused, JobConflict
from .permissions import may_rerun_completed, refusal


async def check_allowed(
    user: Any,
    backend: QueueBackend,
    queue: str,
    action: Any,
    job_ids: list[str] | None = None,
    state: JobState | None = None,
) -> None:
    """Raise ``ActionRefused`` (and audit the refusal) unless ``user`` may do ``action``
    (on jobs of ``state``, when known: re-running completed jobs needs more)."""
    reason = await sync_to_async(refusal)(user, backend, queue, action, state)
    if reason is not None:
        await audit.record(
            user,
            action.value,
            backend.alias,
            queue,
            AuditEntry.Outcome.REFUSED,
            job_ids=job_ids,
            message=reason,
        )
        raise ActionRefused(reason)


async def audited(
    user: Any,
    backend: QueueBackend,
    queue: str,
    action: JobAction | QueueAction,
    call: Callable[[], Awaitable[ActionOutcome]],
    describe: Callable[[ActionOutcome], str],
    job_ids: list[str] | None = None,
) -> ActionOutcome:
    """Check the user may, do it, and record the outcome (or the error) in the audit log."""
    await check_allowed(user, backend, queue, action, job_ids)
    try:
        result = await call()
    except BackendError as exc:
        forget(backend)
        await audit.record(
            user, action.value, backend.alias, queue, AuditEntry.Outcome.ERROR,
            job_ids=job_ids, message=str(exc),
        )  # fmt: skip
        raise
    await audit.record(
        user, action.value, backend.alias, queue, audit.outcome_of(result),
        job_ids=job_ids, result=result, message=describe(result),
    )  # fmt: skip
    forget(backend)
    return result


async def act_on_jobs(
    user: Any, backend: QueueBackend, queue: str, action: JobAction, job_ids: list[str]
) -> ActionOutcome:
    """A retry re-runs completed jobs only for users who may (``RERUN_COMPLETED``); for
    others the backend skips them, in the same atomic step."""
    rerun = action == JobAction.RETRY and await sync_to_async(may_rerun_completed)(
        user, backend, queue
    )
    return await audited(
        user, backend, queue, action,
        lambda: backend.act_on_jobs(queue, action, job_ids, retry_completed=rerun),
        lambda result: summary(action, result),
        job_ids,
    )  # fmt: skip


async def act_on_job(
    user: Any, backend: QueueBackend, queue: str, action: JobAction, job_id: str
) -> ActionOutcome:
    """One job: a skip becomes ``JobNotFound`` (404), ``ActionRefused`` (403: a completed job,
    for a user who may not re-run it) or ``JobConflict`` (409)."""
    result = await act_on_jobs(user, backend, queue, action, [job_id])
    problems = result.skipped + result.failed
    if problems:
        skip = problems[0]
        if skip.missing:
            raise JobNotFound(queue, job_id)
        if action == JobAction.RETRY and skip.state == JobState.COMPLETED:
            reason = await sync_to_async(refusal)(user, backend, queue, action, skip.state)
            if reason is not None:
                raise ActionRefused(reason)
        raise JobConflict(skip.reason, skip.state)
    return result


_PAST = {JobAction.RETRY: "retried", JobAction.PROMOTE: "promoted", JobAction.REMOVE: "removed"}


def summary(action: JobAction, result: ActionOutcome) -> str:
    """``3 jobs retried, 1 skipped (job 7 is no longer failed; it is now waiting).``"""
    text = f"{result.done} job{'s' if result.done != 1 else ''} {_PAST[action]}"
    problems = result.skipped + result.failed
    if problems:
        reasons = "; ".join(skip.reason for skip in problems[:3])
        more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
        text += f", {len(problems)} skipped ({reasons}{more})"
    return text + "."
