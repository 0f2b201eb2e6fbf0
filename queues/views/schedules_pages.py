"""Schedule pages: every schedule of the board, a queue's panel (a fragment the queue page
loads), one schedule in full, and its actions (POST forms redirected back with a notice)."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from ..actions import schedules as schedule_actions
from ..backends.errors import BackendError
from ..backends.schedule_types import ScheduleNotFound
from ..reading import visible_backend
from ..redaction import aredactor_for, redact_schedule_detail
from ..schedule_reading import board_schedules, stuck_reason
from . import notices
from .action_input import payload
from .guards import board_page, render_page
from .methods import require_GET, require_POST
from .params import BadRequest
from .schedule_input import schedule_edit

#: Schedules shown per queue on the board's page, and on a queue's panel.
BOARD_PER_QUEUE = 100
PANEL_SIZE = 20


def _schedule_url(alias: str, queue: str, schedule_id: str) -> str:
    return reverse("queues:schedule", args=[alias, queue, schedule_id])


@require_GET
@board_page
async def schedules(request: HttpRequest) -> HttpResponse:
    found = await board_schedules(request.user, BOARD_PER_QUEUE)
    return await render_page(request, "queues/schedules.html", {"found": found})


@require_GET
@board_page
async def queue_panel(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    """The queue page's schedules panel (loaded by htmx), or the panel alone in a page."""
    backend = await visible_backend(request.user, alias, queue)
    context: dict[str, object] = {"backend": backend, "queue_name": queue}
    if backend.supports_schedules:
        start = 0
        raw = request.GET.get("start", "")
        if raw.isdigit() and len(raw) < 10:
            start = int(raw)
        page = await backend.list_schedules(queue, start, start + PANEL_SIZE - 1)
        context["page"] = page
        context["stuck"] = await stuck_reason(backend, queue, page.schedules)
        context["panel_size"] = PANEL_SIZE
    # On the queue page (htmx) a queue without schedules shows no panel at all.
    context["hx_request"] = bool(request.headers.get("HX-Request"))
    template = (
        "queues/partials/schedules_panel.html"
        if context["hx_request"]
        else "queues/queue_schedules.html"
    )
    return await render_page(request, template, context)


@require_GET
@board_page
async def schedule(request: HttpRequest, alias: str, queue: str, schedule_id: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    if not backend.supports_schedules:
        raise ScheduleNotFound(queue, schedule_id)
    detail = await backend.get_schedule(queue, schedule_id)
    detail = redact_schedule_detail(await aredactor_for(request.user), detail)
    allowed = await sync_to_async(schedule_actions.allowed_schedule_actions)(
        request.user, backend, queue
    )
    stuck = await stuck_reason(backend, queue, [detail.schedule])
    context = {
        "backend": backend,
        "queue_name": queue,
        "detail": detail,
        "allowed": allowed,
        "stuck": stuck,
    }
    return await render_page(request, "queues/schedule.html", context)


@require_POST
@board_page
async def schedule_action(
    request: HttpRequest, alias: str, queue: str, schedule_id: str, action: str
) -> HttpResponse:
    chosen = schedule_actions.ScheduleAction(action)
    backend = await visible_backend(request.user, alias, queue)
    here = _schedule_url(alias, queue, schedule_id)
    try:
        if chosen == schedule_actions.ScheduleAction.RUN_NOW:
            before = await schedule_actions.run_now(request.user, backend, queue, schedule_id)
            text = _("Schedule %(id)s: its next run (job %(job)s) started now.") % {
                "id": schedule_id,
                "job": before.armed_job_id,
            }
        elif chosen == schedule_actions.ScheduleAction.EDIT:
            change = schedule_edit(payload(request))
            await schedule_actions.edit(request.user, backend, queue, schedule_id, change)
            text = _("Schedule %(id)s changed.") % {"id": schedule_id}
        else:
            await schedule_actions.remove(request.user, backend, queue, schedule_id)
            await notices.add(request, _("Schedule %(id)s removed.") % {"id": schedule_id})
            return HttpResponseRedirect(reverse("queues:queue", args=[alias, queue]))
    except (BadRequest, BackendError) as exc:
        if isinstance(exc, ScheduleNotFound) or getattr(exc, "status", 400) >= 500:
            raise
        await notices.add(request, str(exc), "error")
        return HttpResponseRedirect(here)
    await notices.add(request, text)
    return HttpResponseRedirect(here)
