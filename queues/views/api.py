"""The read API (JSON), relative to wherever the app is mounted."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from .. import fragments
from ..backends.actions import JobAction
from ..overview_paging import ApiPaging, Page, matching, sum_counts, totals_of
from ..reading import overview_sections, visible_backend
from ..redacted_search import list_jobs
from ..redaction import aredactor_for, redact_job
from ..search_bounds import SearchRefused, is_search, search_slot
from ..serializers import job_detail_to_dict, page_to_dict, queue_to_dict, worker_to_dict
from . import actions_api
from .guards import board_api, error_json
from .json import SafeJsonResponse, dumps
from .methods import require_GET
from .params import job_query


@require_GET
@board_api
async def queues(request: HttpRequest) -> HttpResponse:
    """Every visible queue with its counts, a page at a time (``?page=``, ``?per_page=``, by
    default all of up to ``API_PER_PAGE``), only names holding ``?q=``; with the totals of every
    queue the filter keeps and the paging facts."""
    paging = ApiPaging.from_query(request.GET)
    sections = await overview_sections(request.user)
    kept = [(s, matching(s.queues, paging.q)) for s in sections]
    listed = [(s.backend, q) for s, queues in kept for q in queues]
    page = Page(paging.page, paging.per_page, len(listed))
    # Each queue's object is escaped JSON kept by content (``fragments``), joined as they are.
    entries = ",".join(fragments.queue_json(backend, q) for backend, q in page.of(listed))
    problems = [{"backend": s.backend.alias, "message": s.problem} for s in sections if s.problem]
    by_backend = {s.backend.alias: totals_of(queues) for s, queues in kept}
    facts = {
        "page": page.number,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
        "next": f"{request.path}?{paging.query(page.number + 1)}"
        if page.number < page.pages
        else None,
        "totals": {
            "queues": page.total,
            "counts": sum_counts(by_backend.values()),
            "backends": {alias: t.as_dict() for alias, t in by_backend.items()},
        },
    }
    encoded = f'{{"queues":[{entries}],"problems":{dumps(problems)},{dumps(facts)[1:]}'
    return SafeJsonResponse(encoded=encoded)


@require_GET
@board_api
async def jobs(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    try:
        async with search_slot(request.user, is_search(request.GET)):
            summary = await backend.get_queue(queue)
            query = job_query(request.GET, backend, queue, summary)
            page = backend.unlisted_page(query, summary) or await list_jobs(
                backend, query, await aredactor_for(request.user)
            )
    except SearchRefused as refused:
        answer = error_json(refused.status, refused.code, str(refused))
        answer["Retry-After"] = str(refused.retry_after)
        return answer
    return SafeJsonResponse({"queue": queue_to_dict(backend, summary), **page_to_dict(page)})


@require_GET
@board_api
async def workers(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    if not backend.supports_workers:
        return SafeJsonResponse({"supported": False, "workers": []})
    found = await backend.list_workers(queue)
    return SafeJsonResponse({"supported": True, "workers": [worker_to_dict(w) for w in found]})


@require_GET
@board_api
async def job(request: HttpRequest, alias: str, queue: str, job_id: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    detail = redact_job(await aredactor_for(request.user), await backend.get_job(queue, job_id))
    # The actions that apply in the job's state (the backend's action table), whoever asks,
    # and why each other action the backend offers does not.
    actions = [action.value for action in backend.job_actions_for(detail.state)]
    why_not = {
        action.value: str(backend.why_not(action, detail.state))
        for action in JobAction
        if backend.supports(action) and action.value not in actions
    }
    shown = {**job_detail_to_dict(detail), "actions": actions, "not_applicable": why_not}
    return SafeJsonResponse({"job": shown})


async def job_or_selection(
    request: HttpRequest, alias: str, queue: str, action: str
) -> HttpResponse:
    """``api/queues/<alias>/<queue>/jobs/retry`` (or ``promote``, ``remove``).

    POST acts on the selection; any other method reads the job whose id is that word, so that
    a job named like an action stays readable. Each view keeps its own checks (methods, CSRF,
    access).
    """
    if request.method == "POST":
        return await actions_api.selection(request, alias, queue, action)
    return await job(request, alias, queue, action)
