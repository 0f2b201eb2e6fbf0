"""Action pages: forms POST here, get redirected back with a notice, or see a confirmation.

Only POSTs write the audit log: opening a confirmation the user may not use is refused (403)
without an entry, so a link from another site cannot write entries in the user's name.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..actions import bulk
from ..actions.errors import ActionRefused, JobConflict
from ..actions.jobs import act_on_job, act_on_jobs, check_allowed, summary
from ..actions.permissions import refusal
from ..actions.queue import perform, queue_params
from ..actions.run_caps import RunInProgress, TooManyRuns
from ..backends.actions import JobAction, QueueAction
from ..reading import visible_backend
from . import notices
from .action_input import job_action, job_ids, payload, queue_action
from .guards import board_page, render_page
from .htmx import swap_target
from .methods import require_GET, require_http_methods, require_POST
from .pages import action_context

_DONE = {
    JobAction.RETRY: _("Job {job} retried."),
    JobAction.PROMOTE: _("Job {job} promoted."),
    JobAction.REMOVE: _("Job {job} removed."),
    JobAction.CANCEL: _("Job {job} canceled."),
    JobAction.STOP: _("Job {job} was told to stop; its worker ends it."),
}
#: What the queue page says after an action done at once.
_DONE_AT_ONCE = {
    QueueAction.PAUSE: _("Queue {queue} paused."),
    QueueAction.RESUME: _("Queue {queue} resumed."),
    QueueAction.SUSPEND_WORKERS: _("Every worker of {backend} suspended, in all queues."),
    QueueAction.RESUME_WORKERS: _("Every worker of {backend} resumed, in all queues."),
}


def _queue_url(alias: str, queue: str, state: str | None = None) -> str:
    url = reverse("queues:queue", args=[alias, queue])
    return f"{url}?state={state}" if state else url


@require_POST
@board_page
async def job(
    request: HttpRequest, alias: str, queue: str, job_id: str, action: str
) -> HttpResponse:
    chosen = job_action(action)
    backend = await visible_backend(request.user, alias, queue)
    try:
        await act_on_job(request.user, backend, queue, chosen, job_id)
    except JobConflict as exc:
        if "schedule_url" not in exc.details:
            raise
        # A schedule's next run: back to the job, whose notice offers the schedule's page.
        link = (exc.details["schedule_url"], _("Open its schedule"))
        await notices.add(request, str(exc), "warning", link)
        return HttpResponseRedirect(reverse("queues:job", args=[alias, queue, job_id]))
    await notices.add(request, format_lazy(_DONE[chosen], job=job_id))
    if chosen == JobAction.REMOVE:
        return HttpResponseRedirect(_queue_url(alias, queue, request.POST.get("state")))
    return HttpResponseRedirect(reverse("queues:job", args=[alias, queue, job_id]))


@require_POST
@board_page
async def selection(request: HttpRequest, alias: str, queue: str, action: str) -> HttpResponse:
    chosen = job_action(action)
    backend = await visible_backend(request.user, alias, queue)
    result = await act_on_jobs(request.user, backend, queue, chosen, job_ids(payload(request)))
    level = "warning" if result.skipped or result.failed else "info"
    await notices.add(request, summary(chosen, result), level)
    return HttpResponseRedirect(_queue_url(alias, queue, request.POST.get("state")))


@require_http_methods(["GET", "POST"])
@board_page
async def queue_wide(request: HttpRequest, alias: str, queue: str, action: str) -> HttpResponse:
    chosen = queue_action(action)
    backend = await visible_backend(request.user, alias, queue)
    summary_ = await backend.get_queue(queue)
    data = request.POST if request.method == "POST" else request.GET
    params = queue_params(backend, chosen, data)
    if request.method == "GET":  # the confirmation: refused as a POST would be, not recorded
        reason = await sync_to_async(refusal)(request.user, backend, queue, chosen, params.state)
        if reason is not None:
            raise ActionRefused(reason)
        count = await backend.count_for(queue, chosen, params)
        if params.limit is not None:
            count = min(count, params.limit)
        context = {
            "backend": backend,
            "queue": summary_,
            "action": chosen,
            "params": params,
            "count": count,
            **action_context(backend),
            "grace": data.get("grace", ""),
            "limit": data.get("limit", ""),
        }
        return await render_page(request, "queues/confirm.html", context)
    try:
        run = await perform(request.user, backend, queue, chosen, params)
    except RunInProgress as exc:  # to the run in progress, which says how far it is
        await notices.add(request, str(exc), "warning")
        return HttpResponseRedirect(reverse("queues:run", args=[exc.details["run"]]))
    except TooManyRuns as exc:
        await notices.add(request, str(exc), "warning")
        return HttpResponseRedirect(_queue_url(alias, queue))
    if run is None:
        done = format_lazy(_DONE_AT_ONCE[chosen], queue=queue, backend=backend.label)
        await notices.add(request, done)
        return HttpResponseRedirect(_queue_url(alias, queue))
    return HttpResponseRedirect(reverse("queues:run", args=[run.pk]))


@require_GET
@board_page
async def run_detail(request: HttpRequest, run_id: str) -> HttpResponse:
    run = await bulk.get_run(run_id)
    backend = await visible_backend(request.user, run.backend, run.queue)
    context = {"run": run, "backend": backend}
    if swap_target(request) == "run-status":
        return await render_page(request, "queues/partials/run_status.html", context)
    return await render_page(request, "queues/run.html", context)


@require_POST
@board_page
async def run_cancel(request: HttpRequest, run_id: str) -> HttpResponse:
    run = await bulk.get_run(run_id)
    backend = await visible_backend(request.user, run.backend, run.queue)
    await check_allowed(request.user, backend, run.queue, queue_action(run.action))
    await bulk.cancel_run(request.user, run)
    await notices.add(request, _("Cancelling: the run stops after its current batch."))
    return HttpResponseRedirect(reverse("queues:run", args=[run.pk]))
