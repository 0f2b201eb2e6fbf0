"""Write the audit log: every action, whoever did it and whatever came of it."""

from __future__ import annotations

from typing import Any

from ..backends.actions import ActionOutcome
from ..models import AuditEntry, BulkRun

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
) -> AuditEntry:
    return await AuditEntry.objects.acreate(
        **_user_fields(user),
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
