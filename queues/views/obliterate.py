"""Obliterate a queue: the confirmation page (type the queue's name), its POST, and the API."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from ..actions.errors import ActionRefused
from ..actions.obliterate import ACTION, start_obliterate
from ..actions.permissions import refusal
from ..backends.actions import QueueActionParams
from ..reading import visible_backend
from ..serializers import run_to_dict
from ..states import JobState
from .action_input import payload
from .bodies import bounded_body
from .guards import board_api, board_page, render_page
from .json import SafeJsonResponse
from .methods import require_http_methods, require_POST


def _force(value: object) -> bool:
    return value is True or str(value).lower() in ("1", "true", "on", "yes")


@require_http_methods(["GET", "POST"])
@board_page
async def obliterate_page(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    summary = await backend.get_queue(queue)
    if request.method == "POST":
        data = payload(request)
        typed = str(data.get("confirm") or "")
        run = await start_obliterate(request.user, backend, queue, typed, _force(data.get("force")))
        return HttpResponseRedirect(reverse("queues:run", args=[run.pk]))
    reason = await sync_to_async(refusal)(request.user, backend, queue, ACTION)
    if reason is not None:  # refused as the POST would be, not recorded
        raise ActionRefused(reason)
    count = await backend.count_for(queue, ACTION, QueueActionParams())
    context = {
        "backend": backend,
        "queue": summary,
        "count": count,
        "active": summary.counts.get(JobState.ACTIVE, 0),
    }
    return await render_page(request, "queues/obliterate_confirm.html", context)


@require_POST
@board_api
@bounded_body
async def obliterate_api(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    data = payload(request)
    typed = str(data.get("confirm") or "")
    run = await start_obliterate(request.user, backend, queue, typed, _force(data.get("force")))
    return SafeJsonResponse({"action": ACTION.value, "run": run_to_dict(run)}, status=202)
