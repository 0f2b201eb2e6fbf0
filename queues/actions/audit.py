"""Write the audit log: every action, whoever did it and whatever came of it.

Refusals are bounded per user (``refusal_limit``): beyond ``AUDIT_REFUSALS_PER_MINUTE`` they
are counted instead of written.
"""

from __future__ import annotations

from typing import Any

from ..backends.actions import ActionOutcome
from ..language import Text, english
from ..models import AuditEntry, BulkRun
from . import refusal_limit

#: Job ids kept per entry; a bulk run records counts, and a huge selection its first ids.
MAX_IDS = 1000


def _user_fields(user: Any) -> dict[str, Any]:
    if isinstance(user, BulkRun):  # a run's own entries are on behalf of who started it
        return {"user_id": user.user_id, "username": user.username}
    if user is not None and getattr(user, "is_authenticated", False):
        return {"user_id": user.pk, "username": user.get_username()}
    return {"user_id": None, "username": ""}


async def record(
    user: Any,
    action: str,
    backend: str,
    queue: str,
    outcome: str,
    *,
    job_ids: list[str] | None = None,
    params: dict[str, Any] | None = None,
    result: ActionOutcome | None = None,
    counts: tuple[int, int, int] | None = None,
    message: Text = "",
    run: BulkRun | None = None,
) -> AuditEntry | None:
    """The entry written; None for a refusal over the user's rate (counted, not written).

    ``message`` is recorded in English (a lazy message or an exception holding one), whatever
    the language of the request: the log is one record for every reader.
    """
    message = english(message)
    who = _user_fields(user)
    if outcome == AuditEntry.Outcome.REFUSED:
        key = str(who["user_id"] if who["user_id"] is not None else f"name:{who['username']}")
        admitted = await refusal_limit.admit(key, message)
        if admitted is None:
            return None
        message = admitted
    return await AuditEntry.objects.acreate(
        **who,
        action=action,
        backend=backend,
        queue=queue,
        job_ids=list(job_ids or [])[:MAX_IDS],
        params=params or {},
        affected=counts[0] if counts else (result.done if result else 0),
        skipped=counts[1] if counts else (len(result.skipped) if result else 0),
        failed=counts[2] if counts else (len(result.failed) if result else 0),
        outcome=outcome,
        message=message[:10000],
        run=run,
    )


def outcome_of(result: ActionOutcome) -> str:
    """Done, partly done, skipped (nothing done: the jobs had moved on or were gone, which is
    no error) or an error (a job could not be acted on)."""
    if result.failed:
        return AuditEntry.Outcome.PARTIAL if result.done else AuditEntry.Outcome.ERROR
    if result.skipped:
        return AuditEntry.Outcome.PARTIAL if result.done else AuditEntry.Outcome.SKIPPED
    return AuditEntry.Outcome.OK


async def finish(run: BulkRun, outcome: str, counts: tuple[int, int, int], message: str) -> None:
    """A bulk run has one entry: written "started" (shown as running) when it is queued, and
    given the run's outcome, counts and account here when it ends. A run that has none (its
    entry was lost) gets one now; a run that has ended already keeps its outcome."""
    entries = AuditEntry.objects.filter(run=run, action=run.action)
    text = str(message)[:10000]
    done, skipped, failed = counts
    updated = await entries.filter(outcome=AuditEntry.Outcome.STARTED).aupdate(
        outcome=outcome, affected=done, skipped=skipped, failed=failed, message=text
    )
    if not updated and not await entries.aexists():  # ended already: it keeps its outcome
        await record(
            run, run.action, run.backend, run.queue, outcome, params=run.params, counts=counts,
            message=text, run=run,
        )  # fmt: skip
