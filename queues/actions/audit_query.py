"""Read the audit log with filters, a page at a time, as far as the reader may see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..errors import BadRequest
from ..models import AuditEntry
from .audit_visibility import visible_to

FILTERS = ("action", "backend", "queue", "user", "outcome")
PAGE_SIZE = 50
#: The highest page asked for (as for job lists): its offset still fits any database's integer.
MAX_PAGE = 10**9


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    filters: dict[str, str]

    @property
    def pages(self) -> int:
        return max((self.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)


def _filters(params: QueryDict) -> dict[str, str]:
    filters = {name: params.get(name, "").strip() for name in FILTERS if params.get(name)}
    for name, value in filters.items():
        if "\x00" in value:  # PostgreSQL refuses NUL in text
            raise BadRequest(format_lazy(_("{name} cannot hold a NUL character."), name=name))
    if "outcome" in filters and filters["outcome"] not in AuditEntry.Outcome.values:
        message = _("Unknown outcome {outcome}.")
        raise BadRequest(format_lazy(message, outcome=repr(filters["outcome"])))
    return filters


def _page(params: QueryDict) -> int:
    try:
        page = int(params.get("page") or 1)
    except ValueError:  # also a number of more than 4300 digits
        raise BadRequest(_("page must be a whole number.")) from None
    if page < 1:
        raise BadRequest(_("page must be 1 or more."))
    if page > MAX_PAGE:
        raise BadRequest(format_lazy(_("page must be at most {n}."), n=MAX_PAGE))
    return page


def _visible_rows(user: Any, filters: dict[str, str]) -> QuerySet[AuditEntry]:
    lookups = {"username" if name == "user" else name: value for name, value in filters.items()}
    return AuditEntry.objects.filter(visible_to(user, AuditEntry), **lookups)


async def audit_page(params: QueryDict, user: Any) -> AuditPage:
    """The entries of one page that ``user`` may see (queues hidden from them are left out)."""
    filters = _filters(params)
    page = _page(params)
    rows = await sync_to_async(_visible_rows)(user, filters)
    total = await rows.acount()
    start = (page - 1) * PAGE_SIZE
    entries = [e async for e in rows[start : start + PAGE_SIZE]]
    return AuditPage(entries=entries, total=total, page=page, filters=filters)
