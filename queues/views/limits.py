"""A queue's limits: the panel (global concurrency, rate limiter), setting the global
concurrency from the page (POST, back with a notice) and the API next to it.

* ``GET api/queues/<alias>/<queue>/limits`` → ``{"limits": {...}}``;
* ``POST api/queues/<alias>/<queue>/concurrency`` ``{"concurrency": 5}`` (``null`` removes
  the limit) → ``{"action": "set-concurrency", "before": 2, "after": 5}``.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..actions import concurrency
from ..backends.base import QueueBackend
from ..backends.errors import BackendError, JobNotFound
from ..backends.limit_types import CONCURRENCY_MAX, QueueLimits
from ..reading import visible_backend
from . import notices
from .action_input import payload
from .bodies import bounded_body
from .guards import board_api, board_page, render_page
from .json import SafeJsonResponse
from .methods import require_GET, require_POST
from .params import BadRequest

REMOVE_WORDS = ("", "none", "null", "remove")


class LimitsUnsupported(BackendError):
    status = 404
    code = "not_supported"


def parse_concurrency(value: Any) -> int | None:
    """A whole number from 1 to ``CONCURRENCY_MAX``, or None (remove) for null or empty."""
    if value is None or (isinstance(value, str) and value.strip().lower() in REMOVE_WORDS):
        return None
    if isinstance(value, bool):
        value = repr(value)
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        number = None
    if number is None or not 1 <= number <= CONCURRENCY_MAX:
        message = _(
            "The global concurrency must be a whole number from 1 to {most}, or empty to remove "
            "it; not {value}."
        )
        raise BadRequest(format_lazy(message, most=CONCURRENCY_MAX, value=repr(value)[:40]))
    return number


def limits_to_dict(limits: QueueLimits) -> dict[str, Any]:
    return {
        "global_concurrency": limits.global_concurrency,
        "active": limits.active,
        "rate_limit": (
            {"max": limits.rate_max, "duration_ms": limits.rate_duration_ms}
            if limits.rate_max is not None
            else None
        ),
        "limiter": (
            {
                "ttl_ms": limits.limiter_ttl_ms,
                "count": limits.limiter_count,
                "manual": limits.limiter_manual,
                "held_back": limits.held_back,
            }
            if limits.limiter_ttl_ms is not None
            else None
        ),
    }


async def _backend(request: HttpRequest, alias: str, queue: str) -> QueueBackend:
    backend = await visible_backend(request.user, alias, queue)
    if not (backend.supports_global_concurrency or backend.supports_rate_limits):
        message = _("{backend} keeps no queue limits.")
        raise LimitsUnsupported(format_lazy(message, backend=backend.label))
    return backend


@require_GET
@board_page
async def queue_limits(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    """The panel (for htmx, under the queue's list) or a page of its own."""
    backend = await _backend(request, alias, queue)
    limits = await backend.read_limits(queue)
    reason = await sync_to_async(concurrency.refusal)(request.user, backend, queue)
    context: dict[str, object] = {
        "backend": backend,
        "queue_name": queue,
        "limits": limits,
        "may_set": reason is None,
        "refusal": reason,
        "concurrency_max": CONCURRENCY_MAX,
    }
    htmx = bool(request.headers.get("HX-Request"))
    template = "queues/partials/limits_panel.html" if htmx else "queues/queue_limits.html"
    return await render_page(request, template, context)


@require_POST
@board_page
async def set_concurrency_page(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    here = reverse("queues:queue-limits", args=[alias, queue])
    try:
        await concurrency.check(request.user, backend, queue)
        form = payload(request)
        wanted = None if form.get("remove") else parse_concurrency(form.get("concurrency"))
        _before, after = await concurrency.set_global_concurrency(
            request.user, backend, queue, wanted
        )
    except (BadRequest, BackendError) as exc:
        if isinstance(exc, JobNotFound) or getattr(exc, "status", 400) >= 500:
            raise
        await notices.add(request, str(exc), "error")
        return HttpResponseRedirect(here)
    await notices.add(request, str(concurrency.describe(after)))
    return HttpResponseRedirect(here)


@require_GET
@board_api
async def limits_api(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend = await _backend(request, alias, queue)
    limits = await backend.read_limits(queue)
    return SafeJsonResponse({"backend": alias, "queue": queue, "limits": limits_to_dict(limits)})


@require_POST
@board_api
@bounded_body
async def concurrency_api(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    await concurrency.check(request.user, backend, queue)
    body = payload(request)
    if "concurrency" not in body:
        raise BadRequest(_("Give the global concurrency (concurrency), or null to remove it."))
    wanted = parse_concurrency(body["concurrency"])
    before, after = await concurrency.set_global_concurrency(request.user, backend, queue, wanted)
    return SafeJsonResponse({"action": concurrency.ACTION, "before": before, "after": after})


@require_GET
@board_page
async def job_deduplication(
    request: HttpRequest, alias: str, queue: str, job_id: str
) -> HttpResponse:
    """The job page's deduplication fact (loaded by htmx): the id and who holds it now."""
    backend = await _backend(request, alias, queue)
    context = {
        "backend": backend,
        "job_id": job_id,
        "dedup": await backend.job_deduplication(queue, job_id),
    }
    return await render_page(request, "queues/partials/job_dedup.html", context)
