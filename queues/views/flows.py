"""A job's flow as a tree (the job page loads it into its header, and again on live events)."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse

from ..backends.types import FlowTree
from ..permissions import visible_queue_names
from ..reading import visible_backend
from .guards import board_page, render_page
from .methods import require_GET
from .params import BadRequest

#: Children shown per job of the tree; more are a page away (``?flow_page=``).
PER_NODE = 50
MAX_PAGE = 100_000


def flow_page(request: HttpRequest) -> int:
    raw = request.GET.get("flow_page") or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequest(f"flow_page must be a whole number from 1 to {MAX_PAGE}.")
    return int(raw)


@require_GET
@board_page
async def job_flow(request: HttpRequest, alias: str, queue: str, job_id: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    page = flow_page(request)
    tree: FlowTree | None = None
    visible: set[str] = set()
    if backend.supports_flows:
        tree = await backend.get_flow(queue, job_id, per_node=PER_NODE, focus_page=page)
    if tree is not None:
        names = tree.root.queues()
        visible = await sync_to_async(visible_queue_names)(request.user, backend, names)
    context = {
        "backend": backend,
        "flow": tree,
        "flow_loaded": True,
        "flow_visible": visible,
        "flow_page": page,
        "flow_job": {"queue": queue, "id": job_id},
    }
    return await render_page(request, "queues/partials/job_flow.html", context)
