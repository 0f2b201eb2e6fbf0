"""Every fragment pushed live, rendered from the same partials the pages use.

Fragments that replace a region carry ``hx-swap-oob="true"`` and the region's id; job rows and
new overview rows for insertion are plain rows (the page script inserts them). Nothing here
depends on the user, except the job page's actions (``job_actions``), which consumers render
once per message and set of allowed actions. Job values are masked (``redaction.shared``) for
every viewer alike; the job page is rendered a second time unmasked (``unmasked``) for the
viewers allowed to see values as stored, when some keys are masked at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.template.loader import render_to_string

from .. import fragments
from ..backends.base import QueueBackend
from ..backends.types import JobDetail, JobSummary, Payload, QueueSummary
from ..conf import setting
from ..redaction import shared as masked
from ..sidebar_count import sidebar_count as sidebar_count_markup
from ..states import JobState
from . import groups

_EMPTY = Payload(text="", size=0)


def queue_row(backend: QueueBackend, queue: QueueSummary) -> str:
    """The overview's row of ``queue`` (counts and paused badge), for an out-of-band swap.

    Rows are kept by content (``fragments``): the snapshots of many overview clients connecting
    at once (after a restart) render each row once, not once per client.
    """
    return fragments.queue_row(backend, queue, oob=True)


def sidebar_count(backend: QueueBackend, queue: QueueSummary) -> str:
    """The sidebar's failed count of ``queue`` ("" where the backend has no failed state)."""
    if JobState.FAILED not in backend.states:
        return ""
    failed = int(queue.counts.get(JobState.FAILED, 0))
    return sidebar_count_markup(backend.alias, queue.name, failed, oob=True)


def new_queue_row(backend: QueueBackend, queue: QueueSummary) -> str:
    """The overview's row of a queue that appeared after the page loaded, for insertion."""
    return fragments.queue_row(backend, queue)


def tab_counts(backend: QueueBackend, queue: QueueSummary) -> str:
    """The count of every state tab of the queue page."""
    return render_to_string(
        "queues/live/tab_counts.html", {"backend": backend, "queue": queue, "oob": True}
    ).strip()


def progress_job(alias: str, queue: str, job_id: str, stored: str | bytes | None) -> JobSummary:
    """A job summary carrying only what the progress partial shows, from an event's data."""
    return JobSummary(
        backend=alias,
        queue=queue,
        id=job_id,
        state=JobState.ACTIVE,
        name="",
        data=_EMPTY,
        progress=Payload.from_stored(stored, parse_limit=64 * 1024),
    )


def progress_cell(job: JobSummary) -> str:
    """A job list's progress cell of ``job``."""
    cell_id = groups.progress_cell_id(job.backend, job.queue, job.id)
    return render_to_string(
        "queues/live/progress_cell.html", {"job": masked().job(job), "cell_id": cell_id}
    ).strip()


def job_progress(job: JobSummary) -> str:
    """The job page's progress."""
    context = {"job": masked().job(job), "oob": True}
    return render_to_string("queues/partials/job_progress.html", context).strip()


def job_page(backend: QueueBackend, job: JobDetail, *, unmasked: bool = False) -> str:
    """The job page's state, attempts, progress, timeline and log lines (the actions depend on
    the user: ``job_actions``), masked unless ``unmasked``."""
    shown = job if unmasked else masked().job(job)
    return render_to_string(
        "queues/live/job.html", {"backend": backend, "job": shown, "oob": True}
    ).strip()


#: The form's CSRF token in pushed actions: live.js puts the page's own token in its place.
CSRF_PLACEHOLDER = "live"


def job_actions(backend: QueueBackend, job: object, allowed: Iterable[str]) -> str:
    """The job page's action buttons for a user allowed ``allowed`` (``job`` needs ``backend``,
    ``queue``, ``id`` and ``state``). The form token is ``CSRF_PLACEHOLDER``: no request here."""
    context = {
        "backend": backend,
        "job": job,
        "allowed": set(allowed),
        "oob": True,
        "csrf_token": CSRF_PLACEHOLDER,
    }
    return render_to_string("queues/partials/job_actions.html", context).strip()


def job_rows(jobs: Iterable[JobSummary], state: JobState) -> str:
    """Rows of a job list, for insertion at its top."""
    shown = [masked().job(job) for job in jobs]
    context = {"jobs": shown, "state": state, "preview_chars": setting("PREVIEW_CHARS")}
    return render_to_string("queues/live/job_rows.html", context).strip()
