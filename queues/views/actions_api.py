"""The action API (JSON): POST only, CSRF-protected, permission-checked, audited."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from ..actions import bulk
from ..actions.jobs import act_on_job, act_on_jobs
from ..actions.queue import perform, queue_params
from ..reading import visible_backend
from ..serializers import outcome_to_dict, run_to_dict
from .action_input import job_action, job_ids, payload, queue_action
from .bodies import bounded_body
from .guards import board_api
from .json import SafeJsonResponse
from .methods import require_GET, require_POST


@require_POST
@board_api
@bounded_body
async def job(
    request: HttpRequest, alias: str, queue: str, job_id: str, action: str
) -> HttpResponse:
    chosen = job_action(action)
    backend = await visible_backend(request.user, alias, queue)
    result = await act_on_job(request.user, backend, queue, chosen, job_id)
    return SafeJsonResponse({"action": chosen.value, "job_id": job_id, **outcome_to_dict(result)})


@require_POST
@board_api
@bounded_body
async def selection(request: HttpRequest, alias: str, queue: str, action: str) -> HttpResponse:
    chosen = job_action(action)
    backend = await visible_backend(request.user, alias, queue)
    ids = job_ids(payload(request))
    result = await act_on_jobs(request.user, backend, queue, chosen, ids)
    return SafeJsonResponse({"action": chosen.value, **outcome_to_dict(result)})


@require_POST
@board_api
@bounded_body
async def queue_wide(request: HttpRequest, alias: str, queue: str, action: str) -> HttpResponse:
    chosen = queue_action(action)
    backend = await visible_backend(request.user, alias, queue)
    await backend.get_queue(queue)
    params = queue_params(backend, chosen, payload(request))
    run = await perform(request.user, backend, queue, chosen, params)
    if run is None:
        summary = await backend.get_queue(queue)
        return SafeJsonResponse({"action": chosen.value, "paused": summary.paused})
    return SafeJsonResponse({"action": chosen.value, "run": run_to_dict(run)}, status=202)


@require_GET
@board_api
async def run_status(request: HttpRequest, run_id: str) -> HttpResponse:
    run = await bulk.get_run(run_id)
    await visible_backend(request.user, run.backend, run.queue)
    return SafeJsonResponse({"run": run_to_dict(run)})


@require_POST
@board_api
@bounded_body
async def run_cancel(request: HttpRequest, run_id: str) -> HttpResponse:
    run = await bulk.get_run(run_id)
    backend = await visible_backend(request.user, run.backend, run.queue)
    await bulk.check_allowed(request.user, backend, run.queue, queue_action(run.action))
    run = await bulk.cancel_run(request.user, run)
    return SafeJsonResponse({"run": run_to_dict(run)})
