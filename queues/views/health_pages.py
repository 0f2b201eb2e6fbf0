"""The queue page's health panel (loaded by htmx after the page), or the panel in a page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from ..health import check_queue
from ..reading import visible_backend
from .guards import board_page, render_page
from .methods import require_GET


@require_GET
@board_page
async def queue_health(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    context: dict[str, object] = {
        "backend": backend,
        "queue_name": queue,
        "report": await check_queue(backend, queue),
    }
    htmx = bool(request.headers.get("HX-Request"))
    template = "queues/partials/health_panel.html" if htmx else "queues/queue_health.html"
    return await render_page(request, template, context)
