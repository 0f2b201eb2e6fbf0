"""Failure groups in the JSON API: a queue's groups (GET), a group's retry or removal (POST,
CSRF-protected, permission-checked, audited: a bulk run, answered 202)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from ..actions.failure_groups import group_action, require_groups, start_group_run
from ..failure_group_serializers import grouped_to_dict
from ..failure_groups import read_groups
from ..reading import visible_backend
from ..redaction import aredactor_for, redact_groups
from ..serializers import run_to_dict
from .bodies import bounded_body
from .guards import board_api
from .json import SafeJsonResponse
from .methods import require_GET, require_POST


@require_GET
@board_api
async def queue_groups(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    require_groups(backend)
    found = await read_groups(backend, queue)
    found.groups = redact_groups(await aredactor_for(request.user), found.groups)
    return SafeJsonResponse(grouped_to_dict(found))


@require_POST
@board_api
@bounded_body
async def group_run(
    request: HttpRequest, alias: str, queue: str, key: str, action: str
) -> HttpResponse:
    chosen = group_action(action)
    backend = await visible_backend(request.user, alias, queue)
    run = await start_group_run(request.user, backend, queue, chosen, key)
    return SafeJsonResponse({"action": chosen.value, "run": run_to_dict(run)}, status=202)
