"""The board's HTML pages: overview, queue, job, and a job value's raw download."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .. import preferences
from ..action_buttons import selection_buttons
from ..actions.permissions import allowed_actions
from ..backends.actions import QueueAction
from ..backends.base import QueueBackend
from ..backends.errors import JobNotFound
from ..backends.types import JobPage, JobQuery, Payload, QueueSummary
from ..conf import setting
from ..history import sparklines
from ..overview import OverviewOptions, arrange, note_presence, overview_states, page_sections
from ..permissions import on_loop_if_no_io
from ..presence import worker_presence
from ..reading import overview_sections, visible_backend, workers_of
from ..redacted_search import list_jobs
from ..redaction import aredactor_for, redact_job
from ..search_bounds import SearchRefused, is_search, search_slot
from ..sidebar import build_sidebar, sidebar_for
from ..states import JobState
from ..templatetags.queueboard import clip
from . import notices
from .disposition import attachment
from .guards import board_page, render_page
from .htmx import swap_target
from .methods import require_GET
from .params import FIND_JOB_MAX, BadRequest, job_id, job_query

JOB_TABS = ("data", "options", "logs", "error", "timeline")


def selection_actions(
    allowed: set[str], backend: QueueBackend, state: JobState
) -> list[tuple[str, str]]:
    """The buttons for selected jobs in a list of ``state``: (action, label), from the
    backend's action table (``backends/applicability.py``)."""
    return selection_buttons(backend, state, allowed)


def action_context(backend: QueueBackend) -> dict[str, list[str]]:
    """State names the confirmation page offers (from the backend's action table)."""
    return {
        "retryable": [s.value for s in backend.queue_action_states(QueueAction.RETRY_ALL)],
        "cleanable": [s.value for s in backend.queue_action_states(QueueAction.CLEAN)],
    }


DOWNLOADABLE = {"data": "data", "options": "options", "return-value": "return_value"}


@require_GET
@board_page
async def overview(request: HttpRequest) -> HttpResponse:
    options = OverviewOptions.from_query(request.GET)
    sections = await overview_sections(request.user)
    # One page of rows per backend; what is read beyond the counts is read for those rows only.
    arranged = arrange(sections, options, setting("GROUP_DELIMITER"))
    shown = page_sections(arranged)
    await sparklines.load((s.backend.alias, q.name) for s in shown for q in s.queues)
    note_presence(arranged, await worker_presence(shown))
    context = {
        "sections": arranged,
        "options": options,
        "overview_states": overview_states(sections),
        "sidebar": build_sidebar(sections),
    }
    return await render_page(request, "queues/overview.html", context)


async def _job_list(
    request: HttpRequest, backend: QueueBackend, queue: str
) -> tuple[QueueSummary, JobQuery, JobPage, SearchRefused | None]:
    """The queue, the query and its page of jobs; a search beyond the bounds is refused (and
    said in the search region) with an empty page, the rest of the queue page as usual."""
    prefs = preferences.of(request)
    try:
        async with search_slot(request.user, is_search(request.GET)):
            summary = await backend.get_queue(queue)
            query = job_query(request.GET, backend, queue, summary, prefs.page_size)
            unlisted = backend.unlisted_page(query, summary)
            if unlisted is not None:
                return summary, query, unlisted, None
            redactor = await aredactor_for(request.user)
            return summary, query, await list_jobs(backend, query, redactor), None
    except SearchRefused as refused:
        summary = await backend.get_queue(queue)
        query = job_query(request.GET, backend, queue, summary, prefs.page_size)
        return summary, query, JobPage(query=query, jobs=[], total=0), refused


@require_GET
@board_page
async def queue_detail(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    summary, query, page, refused = await _job_list(request, backend, queue)
    allowed = await on_loop_if_no_io(
        request.user, lambda: allowed_actions(request.user, backend, queue), reads_permissions=True
    )
    context = {
        "search_refused": str(refused) if refused else None,
        "allowed": allowed,
        "selection_actions": selection_actions(allowed, backend, query.state),
        "backend": backend,
        "queue": summary,
        "page": page,
        "state": query.state,
        "preview_chars": setting("PREVIEW_CHARS"),
        "find_job_max": FIND_JOB_MAX,
        "search_max_chars": setting("SEARCH_MAX_CHARS"),
        **action_context(backend),
    }
    status = refused.status if refused else 200
    if swap_target(request) == "job-list":
        response = await render_page(request, "queues/partials/job_list.html", context, status)
    else:
        context["workers"] = await workers_of(backend, queue)
        context["sidebar"] = await sidebar_for(request.user, (alias, queue))
        response = await render_page(request, "queues/queue.html", context, status)
    if refused:
        response["Retry-After"] = str(refused.retry_after)
    return response


@require_GET
@board_page
async def job_detail(request: HttpRequest, alias: str, queue: str, job_id: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    job = redact_job(await aredactor_for(request.user), await backend.get_job(queue, job_id))
    tab = request.GET.get("tab") or preferences.of(request).tab_for(bool(job.failed_reason))
    if tab not in JOB_TABS:
        message = _("Unknown tab {tab}; expected one of: {tabs}.")
        raise BadRequest(format_lazy(message, tab=repr(tab), tabs=", ".join(JOB_TABS)))
    cap = int(setting("PAYLOAD_DISPLAY_CAP"))
    context = {
        # Found while the page renders, in its thread: one thread hop per page, not two.
        "allowed": SimpleLazyObject(lambda: allowed_actions(request.user, backend, queue)),
        "backend": backend,
        "job": job,
        "tab": tab,
        "tabs": JOB_TABS,
        "payloads": [
            (label, slug, value, *value.pretty(cap))
            for label, slug, value in (
                ("Data", "data", job.data),
                ("Return value", "return-value", job.return_value),
                ("Options", "options", job.options),
            )
        ],
    }
    if swap_target(request) == "job-tab-panel":  # the panel, and the tab bar out of band
        return await render_page(request, "queues/partials/job_tab_swap.html", context)
    context["sidebar"] = await sidebar_for(request.user, (alias, queue))
    return await render_page(request, "queues/job.html", context)


@require_GET
@board_page
async def find_job(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    """The queue page's "Open job" box: to the job's page, or back to the queue with a notice."""
    backend = await visible_backend(request.user, alias, queue)
    wanted = job_id(request.GET)
    try:
        await backend.get_job(queue, wanted)
    except JobNotFound:
        await backend.get_queue(queue)  # no such queue either: its 404, not a redirect to one
        missing = format_lazy(
            _("No job with id “{id}” in {queue}."), id=clip(wanted, 80), queue=queue
        )
        await notices.add(request, missing, "error")
        return HttpResponseRedirect(reverse("queues:queue", args=[alias, queue]))
    return HttpResponseRedirect(reverse("queues:job", args=[alias, queue, wanted]))


@require_GET
@board_page
async def job_download(
    request: HttpRequest, alias: str, queue: str, job_id: str, field: str
) -> HttpResponse:
    """The stored value as it is, as an attachment: never rendered as a page."""
    if field not in DOWNLOADABLE:
        raise BadRequest(format_lazy(_("Unknown field {field}."), field=repr(field)))
    backend = await visible_backend(request.user, alias, queue)
    job = redact_job(await aredactor_for(request.user), await backend.get_job(queue, job_id))
    value: Payload = getattr(job, DOWNLOADABLE[field])
    content_type = "application/json" if value.is_json else "text/plain; charset=utf-8"
    response = HttpResponse(value.text.encode("utf-8", "replace"), content_type=content_type)
    extension = "json" if value.is_json else "txt"
    response["Content-Disposition"] = attachment(f"job-{job_id[:80]}-{field}.{extension}")
    response["X-Content-Type-Options"] = "nosniff"
    return response
