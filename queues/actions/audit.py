"""Write the audit log: every action, whoever did it and whatever came of it.

Refusals are bounded per user (``refusal_limit``): beyond ``AUDIT_REFUSALS_PER_MINUTE`` they
are counted instead of written.
"""

from __future__ import annotations

from typing import Any

from ..backends.actions import ActionOutcome
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
    message: str = "",
    run: BulkRun | None = None,
) -> AuditEntry | None:
    """The entry written; None for a refusal over the user's rate (counted, not written)."""
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
    if result.skipped or result.failed:
        return AuditEntry.Outcome.PARTIAL if result.done else AuditEntry.Outcome.ERROR
    return AuditEntry.Outcome.OK
