"""Retry, promote or remove one job or a selection, synchronously, checked and audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from ..backends.actions import ActionOutcome, JobAction, QueueAction, Skip
from ..backends.base import QueueBackend
from ..backends.errors import BackendError, JobNotFound
from ..language import english, in_english
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
            job_ids=job_ids, message=english(exc),
        )  # fmt: skip
        raise
    with in_english():
        described = describe(result)
    await audit.record(
        user, action.value, backend.alias, queue, audit.outcome_of(result),
        job_ids=job_ids, result=result, message=described,
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
        rerun = backend.supports_retry_completed and skip.state == JobState.COMPLETED
        if action == JobAction.RETRY and rerun:
            reason = await sync_to_async(refusal)(user, backend, queue, action, skip.state)
            if reason is not None:
                raise ActionRefused(reason)
        raise JobConflict(skip.reason, skip.state, _schedule_details(backend, queue, skip))
    return result


def _schedule_details(backend: QueueBackend, queue: str, skip: Skip) -> dict[str, str]:
    """The schedule a refused job is the next run of, and its page: remove that instead."""
    if not skip.schedule:
        return {}
    url = reverse("queues:schedule", args=[backend.alias, queue, skip.schedule])
    return {"schedule": skip.schedule, "schedule_url": url}


def _done(action: JobAction, n: int) -> str:
    if action == JobAction.RETRY:
        return ngettext("{n} job retried", "{n} jobs retried", n).format(n=n)
    if action == JobAction.PROMOTE:
        return ngettext("{n} job promoted", "{n} jobs promoted", n).format(n=n)
    if action == JobAction.CANCEL:
        return ngettext("{n} job canceled", "{n} jobs canceled", n).format(n=n)
    if action == JobAction.STOP:
        return ngettext("{n} job told to stop", "{n} jobs told to stop", n).format(n=n)
    return ngettext("{n} job removed", "{n} jobs removed", n).format(n=n)


def summary(action: JobAction, result: ActionOutcome) -> str:
    """``3 jobs retried, 1 skipped (job 7 is no longer failed; it is now waiting).``, in the
    active language."""
    text = _done(action, result.done)
    problems = result.skipped + result.failed
    if not problems:
        return gettext("{done}.").format(done=text)
    reasons = "; ".join(str(skip.reason) for skip in problems[:3])
    if len(problems) > 3:
        more = len(problems) - 3
        reasons = gettext("{reasons}; and {n} more").format(reasons=reasons, n=more)
    return gettext("{done}, {n} skipped ({reasons}).").format(
        done=text, n=len(problems), reasons=reasons
    )
