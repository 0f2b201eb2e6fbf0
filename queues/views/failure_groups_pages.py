"""Failure group pages: a queue's groups (beside its failed tab), every queue's ("All
failures"), and a group's retry or removal (a confirmation stating the count, then a run)."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from ..actions.errors import ActionRefused
from ..actions.failure_groups import (
    GroupNotFound,
    group_action,
    group_params,
    require_groups,
    start_group_run,
)
from ..actions.permissions import allowed_actions, refusal
from ..actions.run_caps import RunInProgress, TooManyRuns
from ..failure_groups import read_groups
from ..failure_reading import board_failures
from ..reading import visible_backend
from ..redaction import aredactor_for, redact_groups
from . import notices
from .guards import board_page, render_page
from .methods import require_GET, require_http_methods

#: Groups shown on the "All failures" page (the largest).
BOARD_GROUPS_SHOWN = 200


def _groups_url(alias: str, queue: str) -> str:
    return reverse("queues:failure-groups", args=[alias, queue])


@require_GET
@board_page
async def queue_groups(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    require_groups(backend)
    summary = await backend.get_queue(queue)
    found = await read_groups(backend, queue)
    allowed = await sync_to_async(allowed_actions)(request.user, backend, queue)
    shown = redact_groups(await aredactor_for(request.user), found.groups)
    rows = [{"group": g, "backend": backend, "queue": queue} for g in shown]
    context = {"backend": backend, "queue": summary, "found": found, "allowed": allowed,
               "rows": rows}  # fmt: skip
    return await render_page(request, "queues/failure_groups.html", context)


@require_GET
@board_page
async def all_failures(request: HttpRequest) -> HttpResponse:
    board = await board_failures(request.user)
    redactor = await aredactor_for(request.user)
    rows = [
        {"group": redact_groups(redactor, [g])[0], "backend": q.backend, "queue": q.queue}
        for q, g in board.groups
    ]
    context = {"board": board, "rows": rows[:BOARD_GROUPS_SHOWN]}
    return await render_page(request, "queues/failures.html", context)


@require_http_methods(["GET", "POST"])
@board_page
async def group_run(
    request: HttpRequest, alias: str, queue: str, key: str, action: str
) -> HttpResponse:
    chosen = group_action(action)
    backend = await visible_backend(request.user, alias, queue)
    require_groups(backend)
    if request.method == "GET":  # the confirmation: refused as a POST would be, not recorded
        reason = await sync_to_async(refusal)(request.user, backend, queue, chosen)
        if reason is not None:
            raise ActionRefused(reason)
        summary = await backend.get_queue(queue)
        params = group_params(key)
        found = await read_groups(backend, queue, before_ms=params.cutoff_ms)
        group = found.find(key)
        if group is not None:
            group = redact_groups(await aredactor_for(request.user), [group])[0]
        if group is None:
            raise GroupNotFound(queue, key)
        context = {"backend": backend, "queue": summary, "group": group, "action": chosen,
                   "word": action, "found": found}  # fmt: skip
        return await render_page(request, "queues/failure_group_confirm.html", context)
    try:
        run = await start_group_run(request.user, backend, queue, chosen, key)
    except RunInProgress as exc:
        await notices.add(request, str(exc), "warning")
        return HttpResponseRedirect(reverse("queues:run", args=[exc.details["run"]]))
    except (TooManyRuns, GroupNotFound) as exc:
        await notices.add(request, str(exc), "warning")
        return HttpResponseRedirect(_groups_url(alias, queue))
    return HttpResponseRedirect(reverse("queues:run", args=[run.pk]))
