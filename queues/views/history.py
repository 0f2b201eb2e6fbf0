"""The queue page's history panel (loaded by htmx, polled while shown) and the metrics API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from ..history.panel import panel_context
from ..history.serializers import series_to_dict
from ..history.series import Range, queue_series
from ..reading import visible_backend
from .guards import board_api, board_page, render_page
from .json import SafeJsonResponse
from .methods import require_GET


@require_GET
@board_page
async def queue_history(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    await backend.get_queue(queue)  # QueueNotFound: the page's 404
    chosen = Range.parse(request.GET.get("range"))
    context = panel_context(backend, queue, await queue_series(backend, queue, chosen))
    htmx = bool(request.headers.get("HX-Request"))
    template = "queues/partials/history_panel.html" if htmx else "queues/queue_history.html"
    return await render_page(request, template, context)


@require_GET
@board_api
async def queue_metrics(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    await backend.get_queue(queue)
    chosen = Range.parse(request.GET.get("range"))
    return SafeJsonResponse(series_to_dict(await queue_series(backend, queue, chosen)))
