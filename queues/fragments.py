"""Rendered fragments shared by the pages, the API and the live publisher, kept by content.

An overview row (HTML) or a queue's entry in ``api/queues`` (JSON) depends only on its queue's
counts, paused flag and problem (and, for HTML, where the board is mounted and the active
language), not on who looks at it. Rendering 100 of them costs far more than the rest of the
overview, and the counts change less often than pages are viewed, so each is rendered once per
content and reused by every page, API call and live update until its counts change.

A job list's row likewise depends only on what it shows of its job (as the viewer may see it:
redaction is applied before), the list's state and preview length, the language, time zone
and mount, and the relative ages it prints ("3 min ago"), which go into its key as text so
that a row is drawn again when they move on. Payload texts go into the key only as far as the
row reads them; a row whose job has a long name or id (shown whole in its titles) is drawn
every time and not kept, so that what is kept stays small whatever jobs carry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .backends.base import QueueBackend
from .backends.types import JobSummary, QueueSummary
from .health import badge_key
from .history import sparklines
from .serializers import queue_to_dict
from .views.json import dumps

#: (backend, queue content, prefix, oob, language) -> the rendered row; cleared when full.
_ROWS: dict[tuple[object, ...], SafeString] = {}
#: (backend, queue content) -> the queue's JSON object, escaped; cleared when full.
_JSON: dict[tuple[object, ...], str] = {}
#: (job content, list, language, time zone, prefix, ages) -> the rendered job row.
_JOB_ROWS: dict[tuple[object, ...], SafeString] = {}
ROWS_KEPT = 4096
#: Names and ids longer than this are not kept in rows; longer progress texts go into keys as
#: digests.
KEY_TEXT_CHARS = 256
T = TypeVar("T")


def _content(backend: QueueBackend, queue: QueueSummary) -> tuple[object, ...]:
    return (
        id(backend),
        backend.alias,
        queue.name,
        tuple(queue.counts.items()),
        queue.paused,
        queue.problem,
        queue.schedules_overdue,
        sparklines.version(backend.alias, queue.name),
    )


def _kept(cache: dict[tuple[object, ...], T], key: tuple[object, ...], make: Callable[[], T]) -> T:
    """``cache[key]``, made by ``make()`` when missing; the cache is emptied when full."""
    found = cache.get(key)
    if found is None:
        if len(cache) >= ROWS_KEPT:
            cache.clear()
        found = cache[key] = make()
    return found


def queue_row(
    backend: QueueBackend, queue: QueueSummary, *, oob: bool = False, prefix: str | None = None
) -> SafeString:
    """The overview's row of ``queue``; ``oob`` marks it for an out-of-band swap (live).

    ``prefix`` is ``get_script_prefix()``, which callers rendering many rows read once.
    """
    if prefix is None:
        prefix = get_script_prefix()

    def render() -> SafeString:
        html = render_to_string(
            "queues/partials/queue_row.html", {"backend": backend, "queue": queue, "oob": oob}
        ).strip()
        return mark_safe(html)  # noqa: S308 - rendered by the template engine

    # The row shows the queue's kept health findings too (queues/health.py, no I/O).
    health = badge_key(backend.alias, queue.name)
    return _kept(_ROWS, (*_content(backend, queue), health, prefix, oob, get_language()), render)


def queue_json(backend: QueueBackend, queue: QueueSummary) -> str:
    """``queue_to_dict(backend, queue)`` as escaped JSON text (``views.json.dumps``)."""
    return _kept(_JSON, _content(backend, queue), lambda: dumps(queue_to_dict(backend, queue)))


def job_row(job: JobSummary, state: object, preview_chars: int) -> SafeString:
    """A job list's row of ``job`` (``partials/job_row.html``) in a list of ``state``, its
    payload excerpts ``preview_chars`` long."""

    def render() -> SafeString:
        context = {"job": job, "state": state, "preview_chars": preview_chars}
        html = render_to_string("queues/partials/job_row.html", context)
        return mark_safe(html)  # noqa: S308 - rendered by the template engine

    if len(job.name) > KEY_TEXT_CHARS or len(job.id) > KEY_TEXT_CHARS:
        return render()
    key = (
        *_job_content(job, int(preview_chars)),
        state,
        int(preview_chars),
        get_language(),
        timezone.get_current_timezone_name(),
        get_script_prefix(),
        _ages(job),
    )
    return _kept(_JOB_ROWS, key, render)


def _job_content(job: JobSummary, preview_chars: int) -> tuple[object, ...]:
    """What ``job_row.html`` shows of ``job``: the payloads as far as ``excerpt`` reads them."""
    read = 2 * preview_chars
    return (
        job.backend,
        job.queue,
        job.id,
        job.state,
        job.name,
        job.data.text[:read],
        job.data.opaque,
        job.failed_reason[:read] if job.failed_reason else job.failed_reason,
        _short(job.progress.text),
        job.progress.is_json,
        job.attempts_made,
        job.attempts_allowed,
        job.attempts_started,
        job.created_at,
        job.processed_at,
        job.finished_at,
        job.due_at,
        job.problems,
    )


def _short(text: str) -> object:
    """``text``, or a digest of it when it is long."""
    if len(text) <= KEY_TEXT_CHARS:
        return text
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _ages(job: JobSummary) -> tuple[str, ...]:
    """The relative times a row may print, as they read now."""
    from .templatetags.queueboard_job import relative

    due = relative(job.due_at, due=True) if job.due_at else ""
    return (due, relative(job.created_at) if job.created_at else "")
