"""The latest view: the newest jobs of a queue across its states, page and API.

A bounded window, not a paged list: the newest ``PAGE_SIZE`` by default, up to
``MAX_PAGE_SIZE`` with ``?limit=``; no deeper pages (each state's own tab pages through it).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..backends.base import QueueBackend
from ..backends.errors import BackendError
from ..backends.types import JobSummary
from ..conf import setting
from ..reading import visible_backend
from ..redaction import aredactor_for, redact_jobs
from ..serializers import job_summary_to_dict, queue_to_dict
from ..sidebar import sidebar_for
from .guards import board_api, board_page, render_page
from .json import SafeJsonResponse
from .methods import require_GET
from .params import BadRequest


class LatestUnsupported(BackendError):
    status = 404
    code = "not_supported"


def latest_limit(params: QueryDict) -> int:
    """``?limit=``: 1 to ``MAX_PAGE_SIZE``; ``PAGE_SIZE`` (within it) without one."""
    most = int(setting("MAX_PAGE_SIZE"))
    raw = params.get("limit") or ""
    if not raw:
        return min(int(setting("PAGE_SIZE")), most)
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        message = _("limit must be a whole number from 1 to {most}, not {value}.")
        raise BadRequest(format_lazy(message, most=most, value=repr(raw[:40])))
    return int(raw)


async def _latest(
    request: HttpRequest, alias: str, queue: str
) -> tuple[QueueBackend, int, list[JobSummary]]:
    backend = await visible_backend(request.user, alias, queue)
    if not backend.supports_latest:
        message = _("{backend} cannot list the latest jobs across states.")
        raise LatestUnsupported(format_lazy(message, backend=backend.label))
    limit = latest_limit(request.GET)
    jobs = await backend.list_latest(queue, limit)
    return backend, limit, redact_jobs(await aredactor_for(request.user), jobs)


@require_GET
@board_page
async def latest_page(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend, limit, jobs = await _latest(request, alias, queue)
    summary = await backend.get_queue(queue)
    context = {
        "backend": backend,
        "queue": summary,
        "jobs": jobs,
        "limit": limit,
        "latest": True,
        "preview_chars": setting("PREVIEW_CHARS"),
        "sidebar": await sidebar_for(request.user, (alias, queue)),
    }
    return await render_page(request, "queues/queue_latest.html", context)


@require_GET
@board_api
async def latest_api(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend, limit, jobs = await _latest(request, alias, queue)
    summary = await backend.get_queue(queue)
    return SafeJsonResponse(
        {
            "queue": queue_to_dict(backend, summary),
            "limit": limit,
            "jobs": [job_summary_to_dict(job) for job in jobs],
        }
    )
