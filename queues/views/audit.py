"""The audit log: a page with filters and the same as JSON. Needs ``queues.view_auditentry``."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse

from ..actions.audit_choices import action_choices, outcome_choices
from ..actions.audit_query import FILTERS, audit_page
from ..actions.errors import ActionRefused
from ..actions.permissions import lacks_permission
from ..redaction import aredactor_for, redact_audit
from ..serializers import audit_to_dict
from .guards import board_api, board_page, render_page
from .json import SafeJsonResponse
from .methods import require_GET

PERMISSION = "queues.view_auditentry"


async def _require_permission(request: HttpRequest) -> None:
    if not await sync_to_async(request.user.has_perm)(PERMISSION):
        raise ActionRefused(lacks_permission(PERMISSION))


@require_GET
@board_page
async def audit_log(request: HttpRequest) -> HttpResponse:
    await _require_permission(request)
    page = await audit_page(request.GET, request.user)
    redact_audit(await aredactor_for(request.user), page.entries)
    context = {
        "audit": page,
        "filters": FILTERS,
        "actions": action_choices(),
        "outcomes": outcome_choices(),
    }
    return await render_page(request, "queues/audit.html", context)


@require_GET
@board_api
async def audit_api(request: HttpRequest) -> HttpResponse:
    await _require_permission(request)
    page = await audit_page(request.GET, request.user)
    redact_audit(await aredactor_for(request.user), page.entries)
    return SafeJsonResponse(
        {
            "entries": [audit_to_dict(e) for e in page.entries],
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
        }
    )
