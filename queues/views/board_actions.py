"""Board-wide actions (``actions.board_wide``): the confirmation, the run page, the API."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..actions import board_wide, bulk
from ..actions.errors import ActionRefused, RunNotFound
from ..actions.permissions import PERMISSION_FOR, lacks_permission
from ..backends import backends
from ..models import BulkRun
from ..permissions import can_view_backend, can_view_queue
from ..serializers import run_to_dict
from . import notices
from .bodies import bounded_body
from .guards import board_api, board_page, render_page
from .htmx import swap_target
from .json import SafeJsonResponse
from .methods import require_GET, require_http_methods, require_POST

_CANCELLING = _("Cancelling: the run stops after its current batch.")


async def _board_run(request: HttpRequest, run_id: str) -> BulkRun:
    run = await bulk.get_run(run_id)
    if not board_wide.is_board_run(run):
        raise RunNotFound(format_lazy(_("There is no board-wide run {run}."), run=repr(run_id)))
    return run


async def _visible_summary(user: Any, run: BulkRun) -> list[dict[str, Any]]:
    """The run's queues the viewer may see (others' hidden queues stay unnamed)."""

    def visible(row: dict[str, Any]) -> bool:
        alias = row.get("backend", "")
        return (
            alias in backends.settings
            and can_view_backend(user, alias)
            and can_view_queue(user, backends[alias], row.get("queue", ""))
        )

    return await sync_to_async(lambda: [row for row in run.summary if visible(row)])()


async def _run_dict(user: Any, run: BulkRun) -> dict[str, Any]:
    return {**run_to_dict(run), "summary": await _visible_summary(user, run)}


async def _check_may(user: Any, action: board_wide.BoardAction) -> None:
    permission = PERMISSION_FOR[action.queue_action]
    if not await sync_to_async(user.has_perm)(permission):
        raise ActionRefused(lacks_permission(permission))


@require_http_methods(["GET", "POST"])
@board_page
async def confirm(request: HttpRequest, action: str) -> HttpResponse:
    chosen = board_wide.board_action(action)
    if request.method == "POST":
        run = await board_wide.start(request.user, chosen)
        return HttpResponseRedirect(reverse("queues:board-run", args=[run.pk]))
    await _check_may(request.user, chosen)  # refused as the POST would be, not recorded
    found = await board_wide.plan(request.user, chosen)
    context = {"action": chosen, "plan": found}
    return await render_page(request, "queues/board_confirm.html", context)


@require_GET
@board_page
async def run_page(request: HttpRequest, run_id: str) -> HttpResponse:
    run = await _board_run(request, run_id)
    context = {
        "run": run,
        "action": board_wide.RUN_ACTIONS[run.action],
        "summary": await _visible_summary(request.user, run),
    }
    if swap_target(request) == "run-status":
        return await render_page(request, "queues/partials/board_run_status.html", context)
    return await render_page(request, "queues/board_run.html", context)


@require_POST
@board_page
async def run_cancel(request: HttpRequest, run_id: str) -> HttpResponse:
    run = await _board_run(request, run_id)
    await _check_may(request.user, board_wide.RUN_ACTIONS[run.action])
    await board_wide.cancel(request.user, run)
    await notices.add(request, str(_CANCELLING))
    return HttpResponseRedirect(reverse("queues:board-run", args=[run.pk]))


@require_POST
@board_api
@bounded_body
async def start_api(request: HttpRequest, action: str) -> HttpResponse:
    run = await board_wide.start(request.user, board_wide.board_action(action))
    return SafeJsonResponse({"run": await _run_dict(request.user, run)}, status=202)


@require_GET
@board_api
async def run_api(request: HttpRequest, run_id: str) -> HttpResponse:
    run = await _board_run(request, run_id)
    return SafeJsonResponse({"run": await _run_dict(request.user, run)})


@require_POST
@board_api
@bounded_body
async def run_cancel_api(request: HttpRequest, run_id: str) -> HttpResponse:
    run = await _board_run(request, run_id)
    await _check_may(request.user, board_wide.RUN_ACTIONS[run.action])
    run = await board_wide.cancel(request.user, run)
    return SafeJsonResponse({"run": await _run_dict(request.user, run)})
