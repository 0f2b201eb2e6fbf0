"""The schedules API (JSON): every schedule of the board, a queue's, one in full, and the
actions on one (POST only, CSRF-protected, permission-checked, audited)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from ..actions import schedules as schedule_actions
from ..reading import visible_backend
from ..redaction import aredactor_for, redact_schedule_detail
from ..schedule_reading import board_schedules as read_board_schedules
from ..schedule_reading import stuck_reason
from ..schedule_serializers import detail_to_dict, page_to_dict, schedule_to_dict
from .action_input import payload
from .bodies import bounded_body
from .guards import board_api
from .json import SafeJsonResponse
from .methods import require_GET, require_POST
from .params import BadRequest
from .schedule_input import schedule_edit

#: Schedules per page of one queue (default and most), and per queue on the board-wide list.
PER_PAGE = 50
MAX_PER_PAGE = 500
BOARD_PER_QUEUE = 100


def _bounded(request: HttpRequest, name: str, default: int, least: int, most: int) -> int:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise BadRequest(_("%(name)s must be a whole number.") % {"name": name}) from None
    if not least <= value <= most:
        raise BadRequest(
            _("%(name)s must be from %(least)d to %(most)d.")
            % {"name": name, "least": least, "most": most}
        )
    return value


@require_GET
@board_api
async def board_schedules(request: HttpRequest) -> HttpResponse:
    """Up to ``per_queue`` schedules of every visible queue, soonest first."""
    per_queue = _bounded(request, "per_queue", BOARD_PER_QUEUE, 1, MAX_PER_PAGE)
    found = await read_board_schedules(request.user, per_queue)
    return SafeJsonResponse(
        {
            "schedules": [schedule_to_dict(s) for s in found.schedules],
            "queues": [
                {"backend": b.alias, "queue": q, "total": total, "shown": shown, "paused": paused}
                for b, q, total, shown, paused in found.queues
            ],
            "problems": [
                {"backend": alias, "queue": queue, "message": message}
                for alias, queue, message in found.problems
            ],
        }
    )


@require_GET
@board_api
async def queue_schedules(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    if not backend.supports_schedules:
        return SafeJsonResponse({"supported": False, "schedules": [], "total": 0})
    start = _bounded(request, "start", 0, 0, 10**9)
    count = _bounded(request, "count", PER_PAGE, 1, MAX_PER_PAGE)
    page = await backend.list_schedules(queue, start, start + count - 1)
    return SafeJsonResponse({"supported": True, **page_to_dict(page)})


@require_GET
@board_api
async def schedule(request: HttpRequest, alias: str, queue: str, schedule_id: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    if not backend.supports_schedules:
        raise BadRequest(_("%(backend)s has no schedules.") % {"backend": backend.label})
    detail = await backend.get_schedule(queue, schedule_id)
    detail = redact_schedule_detail(await aredactor_for(request.user), detail)
    stuck = await stuck_reason(backend, queue, [detail.schedule])
    return SafeJsonResponse({**detail_to_dict(detail), "stuck": stuck})


@require_POST
@board_api
@bounded_body
async def schedule_action(
    request: HttpRequest, alias: str, queue: str, schedule_id: str, action: str
) -> HttpResponse:
    chosen = schedule_actions.ScheduleAction(action)
    backend = await visible_backend(request.user, alias, queue)
    user = request.user
    if chosen == schedule_actions.ScheduleAction.RUN_NOW:
        before = await schedule_actions.run_now(user, backend, queue, schedule_id)
        answer: dict[str, Any] = {"before": schedule_to_dict(before), "job_id": before.armed_job_id}
    elif chosen == schedule_actions.ScheduleAction.EDIT:
        change = schedule_edit(payload(request))
        old, new = await schedule_actions.edit(user, backend, queue, schedule_id, change)
        answer = {"before": schedule_to_dict(old), "schedule": schedule_to_dict(new)}
    else:
        before = await schedule_actions.remove(user, backend, queue, schedule_id)
        answer = {"before": schedule_to_dict(before), "removed": True}
    return SafeJsonResponse({"action": chosen.value, "schedule_id": schedule_id, **answer})
