"""Rendered fragments shared by the pages, the API and the live publisher, kept by content.

An overview row (HTML) or a queue's entry in ``api/queues`` (JSON) depends only on its queue's
counts, paused flag and problem (and, for HTML, where the board is mounted and the active
language), not on who looks at it. Rendering 100 of them costs far more than the rest of the
overview, and the counts change less often than pages are viewed, so each is rendered once per
content and reused by every page, API call and live update until its counts change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .backends.base import QueueBackend
from .backends.types import QueueSummary
from .health import badge_key
from .history import sparklines
from .serializers import queue_to_dict
from .views.json import dumps

#: (backend, queue content, prefix, oob, language) -> the rendered row; cleared when full.
_ROWS: dict[tuple[object, ...], SafeString] = {}
#: (backend, queue content) -> the queue's JSON object, escaped; cleared when full.
_JSON: dict[tuple[object, ...], str] = {}
ROWS_KEPT = 4096
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
