"""The API of adding and changing jobs (JSON): POST only, CSRF-protected, permission-checked
before the input is read, validated before anything is sent, audited.

* ``POST api/queues/<alias>/<queue>/jobs`` ``{"name", "data", "options"}`` → 201 ``{"job"}``
  (``GET`` on the same URL lists jobs, as before);
* ``POST …/jobs/<id>/edit`` ``{"data"}``, ``…/reschedule`` ``{"run_at"}``,
  ``…/priority`` ``{"priority"}``, ``…/remove-children``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from ..actions import job_changes
from ..actions.job_changes import ChangeAction
from ..backends.job_input import PRIORITY_MAX, parse_data, parse_new_job
from ..reading import visible_backend
from ..redaction import aredactor_for, redact_job, refuse_masked
from ..serializers import job_detail_to_dict
from . import api
from .action_input import payload
from .bodies import bounded_body
from .guards import board_api
from .job_change_input import priority, run_at
from .json import SafeJsonResponse
from .methods import require_POST
from .params import BadRequest


async def jobs_or_add(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    """``api/queues/<alias>/<queue>/jobs``: POST adds a job, any other method lists them."""
    if request.method == "POST":
        return await add(request, alias, queue)
    return await api.jobs(request, alias, queue)


@require_POST
@board_api
@bounded_body
async def add(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    await job_changes.check(request.user, backend, queue, ChangeAction.ADD)
    job = parse_new_job(payload(request), backend, queue)
    redactor = await aredactor_for(request.user)
    refuse_masked(redactor, data=job.data, options=job.options)
    added = redact_job(redactor, await job_changes.add_job(request.user, backend, queue, job))
    return SafeJsonResponse({"job": job_detail_to_dict(added)}, status=201)


@require_POST
@board_api
@bounded_body
async def change(
    request: HttpRequest, alias: str, queue: str, job_id: str, change: str
) -> HttpResponse:
    action = _action(change)
    backend = await visible_backend(request.user, alias, queue)
    user = request.user
    await job_changes.check(user, backend, queue, action, job_id)
    body = payload(request)
    answer: dict[str, Any]
    if action == ChangeAction.EDIT:
        if "data" not in body:
            raise BadRequest("Give the new data (data).")
        data = parse_data(body["data"], backend, queue)
        redactor = await aredactor_for(user)
        refuse_masked(redactor, data=data)
        before, state = await job_changes.edit_data(user, backend, queue, job_id, data)
        if redactor:
            before, data = redactor.value(before), redactor.value(data)
        answer = {"state": state.value, "before": before, "data": data}
    elif action == ChangeAction.RESCHEDULE:
        when = run_at(body.get("run_at"))
        old = await job_changes.reschedule(user, backend, queue, job_id, when)
        answer = {"before": old.isoformat() if old else None, "run_at": when.isoformat()}
    elif action == ChangeAction.PRIORITY:
        wanted = priority(body.get("priority"), 0, PRIORITY_MAX)
        old_priority = await job_changes.change_priority(user, backend, queue, job_id, wanted)
        answer = {"before": old_priority, "priority": wanted}
    else:
        waited = await job_changes.remove_children(user, backend, queue, job_id)
        answer = {"before": {"unprocessed": waited}, "removed": True}
    return SafeJsonResponse({"action": action.value, "job_id": job_id, **answer})


#: The URL word of each change.
CHANGES = {
    "edit": ChangeAction.EDIT,
    "reschedule": ChangeAction.RESCHEDULE,
    "priority": ChangeAction.PRIORITY,
    "remove-children": ChangeAction.REMOVE_CHILDREN,
}


def _action(word: str) -> ChangeAction:
    try:
        return CHANGES[word]
    except KeyError:
        raise BadRequest(f"Unknown job change {word!r}.") from None
