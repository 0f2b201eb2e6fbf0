"""Dead-letter queues: the panels of a dead-letter job's page and of the queue's list (loaded by
htmx after the page), replays from pages (POST, redirect with a notice) and from the API."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..actions import dead_letters as replays
from ..actions.permissions import refusal
from ..backends.actions import QueueAction
from ..backends.base import QueueBackend
from ..backends.types import JobQuery, JobSummary
from ..dead_letters import DeadLetter, dead_letter_of, is_dead_letter_queue
from ..reading import visible_backend
from ..redaction import aredactor_for, redact_job, redact_jobs
from ..serializers import outcome_to_dict, run_to_dict
from ..states import JobState
from . import notices
from .action_input import job_ids, payload
from .bodies import bounded_body
from .guards import board_api, board_page, render_page
from .json import SafeJsonResponse
from .methods import require_GET, require_POST

REPLAY = QueueAction.REPLAY_DEAD_LETTERS
#: Jobs the queue's dead-letter panel lists (one page, one existence read for all).
PANEL_JOBS = 20


async def _may_replay(request: HttpRequest, backend: QueueBackend, queue: str) -> bool:
    return await sync_to_async(refusal)(request.user, backend, queue, REPLAY) is None


async def _with_originals(
    backend: QueueBackend, letters: list[tuple[Any, DeadLetter]]
) -> list[tuple[Any, DeadLetter, bool]]:
    """Each (job, letter) with whether its original job still exists: one read for all."""
    refs = [(letter.original_queue, letter.original_job_id) for _job, letter in letters]
    exists = await backend.originals_exist(refs) if refs else []
    return [(job, letter, found) for (job, letter), found in zip(letters, exists, strict=True)]


@require_GET
@board_page
async def job_panel(request: HttpRequest, alias: str, queue: str, job_id: str) -> HttpResponse:
    """What a dead-letter job says of the job that failed, and its replay button."""
    backend = await visible_backend(request.user, alias, queue)
    job = redact_job(await aredactor_for(request.user), await backend.get_job(queue, job_id))
    letter = dead_letter_of(job.data.value, job.name)
    context: dict[str, Any] = {"backend": backend, "job": job, "letter": None}
    if letter is not None and backend.supports_replay_dead_letters:
        ((_job, _letter, found),) = await _with_originals(backend, [(job, letter)])
        context.update(
            letter=letter,
            original_exists=found,
            may_replay=await _may_replay(request, backend, queue),
            replayable=backend.action_table.replays(job.state),
        )
    return await render_page(request, "queues/partials/dead_letter_job.html", context)


@require_GET
@board_page
async def queue_panel(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    """The first page of a dead-letter queue's jobs with their original jobs, and the replay
    buttons; nothing for a queue that is no dead-letter queue."""
    backend = await visible_backend(request.user, alias, queue)
    state = JobState.WAITING
    try:
        state = JobState(request.GET.get("state") or "waiting")
    except ValueError:
        pass
    if state not in backend.states:
        state = JobState.WAITING
    page = await backend.list_jobs(JobQuery(queue=queue, state=state, per_page=PANEL_JOBS))
    jobs: list[JobSummary] = redact_jobs(await aredactor_for(request.user), page.jobs)
    samples = [job.data.value for job in jobs]
    context: dict[str, Any] = {"backend": backend, "queue_name": queue, "rows": None}
    if is_dead_letter_queue(backend, queue, samples):
        letters = [(j, letter) for j in jobs if (letter := dead_letter_of(j.data.value, j.name))]
        context.update(
            rows=await _with_originals(backend, letters),
            state=state,
            total=await backend.count_dead_letters(queue),
            may_replay=await _may_replay(request, backend, queue),
        )
    return await render_page(request, "queues/partials/dead_letter_panel.html", context)


@require_POST
@board_page
async def replay_job_page(
    request: HttpRequest, alias: str, queue: str, job_id: str
) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    done = await replays.replay_one(request.user, backend, queue, job_id)
    message = _("Job {job} replayed into {queue} as job {new}.")
    text = format_lazy(message, job=job_id, queue=done["original_queue"], new=done["new_job_id"])
    await notices.add(request, text)
    new_url = reverse("queues:job", args=[alias, done["original_queue"], done["new_job_id"]])
    return HttpResponseRedirect(new_url)


@require_POST
@board_page
async def replay_page(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    """The chosen jobs (``ids``) at once, or every one (``all``) as a bulk run."""
    backend = await visible_backend(request.user, alias, queue)
    data = payload(request)
    if data.get("all"):
        run = await replays.start_replay_run(request.user, backend, queue)
        return HttpResponseRedirect(reverse("queues:run", args=[run.pk]))
    result = await replays.replay(request.user, backend, queue, job_ids(data))
    level = "warning" if result.skipped or result.failed else "info"
    await notices.add(request, replays.summary(result), level)
    return HttpResponseRedirect(reverse("queues:queue", args=[alias, queue]))


@require_POST
@board_api
@bounded_body
async def replay_job_api(request: HttpRequest, alias: str, queue: str, job_id: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    done = await replays.replay_one(request.user, backend, queue, job_id)
    return SafeJsonResponse({"action": REPLAY.value, **done})


@require_POST
@board_api
@bounded_body
async def replay_api(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    """``{"ids": [...]}``: those jobs at once; ``{"all": true}``: a bulk run (202)."""
    backend = await visible_backend(request.user, alias, queue)
    data = payload(request)
    if data.get("all") is True:
        run = await replays.start_replay_run(request.user, backend, queue)
        return SafeJsonResponse({"action": REPLAY.value, "run": run_to_dict(run)}, status=202)
    result = await replays.replay(request.user, backend, queue, job_ids(data))
    return SafeJsonResponse({"action": REPLAY.value, **outcome_to_dict(result)})
