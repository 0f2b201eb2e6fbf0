"""Read the audit log with filters, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from ..errors import BadRequest
from ..models import AuditEntry

FILTERS = ("action", "backend", "queue", "user", "outcome")
PAGE_SIZE = 50


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    filters: dict[str, str]

    @property
    def pages(self) -> int:
        return max((self.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)


async def audit_page(params: QueryDict) -> AuditPage:
    filters = {name: params.get(name, "").strip() for name in FILTERS if params.get(name)}
    lookups: dict[str, Any] = {}
    for name, value in filters.items():
        lookups["username" if name == "user" else name] = value
    if "outcome" in filters and filters["outcome"] not in AuditEntry.Outcome.values:
        raise BadRequest(f"Unknown outcome {filters['outcome']!r}.")
    try:
        page = int(params.get("page") or 1)
    except ValueError:
        raise BadRequest("page must be a whole number.") from None
    if page < 1:
        raise BadRequest("page must be 1 or more.")
    rows = AuditEntry.objects.filter(**lookups)
    total = await rows.acount()
    start = (page - 1) * PAGE_SIZE
    entries = [e async for e in rows[start : start + PAGE_SIZE]]
    return AuditPage(entries=entries, total=total, page=page, filters=filters)
