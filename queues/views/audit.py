"""The audit log: a page with filters and the same as JSON. Needs ``queues.view_auditentry``."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse

from ..actions.audit_query import FILTERS, audit_page
from ..actions.errors import ActionRefused
from ..models import AuditEntry
from ..serializers import audit_to_dict
from .guards import board_api, board_page, render_page
from .json import SafeJsonResponse
from .methods import require_GET

PERMISSION = "queues.view_auditentry"


async def _require_permission(request: HttpRequest) -> None:
    if not await sync_to_async(request.user.has_perm)(PERMISSION):
        raise ActionRefused(f"Your account lacks the permission {PERMISSION!r}.")


@require_GET
@board_page
async def audit_log(request: HttpRequest) -> HttpResponse:
    await _require_permission(request)
    page = await audit_page(request.GET, request.user)
    context = {"audit": page, "filters": FILTERS, "outcomes": AuditEntry.Outcome.choices}
    return await render_page(request, "queues/audit.html", context)


@require_GET
@board_api
async def audit_api(request: HttpRequest) -> HttpResponse:
    await _require_permission(request)
    page = await audit_page(request.GET, request.user)
    return SafeJsonResponse(
        {
            "entries": [audit_to_dict(e) for e in page.entries],
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
        }
    )
