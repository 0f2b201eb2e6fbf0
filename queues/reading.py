"""What a user may see, read from every backend at once.

Shared by the pages, the API and live updates.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .backends import backends
from .backends.base import QueueBackend
from .backends.errors import BackendError, QueueNotFound, WorkersUnavailable
from .backends.types import QueueSummary, WorkerInfo
from .conf import setting
from .kept_counts import kept_counts
from .permissions import (
    can_view_backend,
    can_view_queue,
    on_loop_if_no_io,
    visible_queue_names,
)


@dataclass
class BackendSection:
    """One backend's part of the overview: its queues, or why they could not be read."""

    backend: QueueBackend
    queues: list[QueueSummary] = field(default_factory=list)
    problem: str | None = None


def _visible_backends(user: object) -> list[QueueBackend]:
    return [backends[alias] for alias in backends if can_view_backend(user, alias)]


def _visible_queues(user: object, section: BackendSection) -> list[QueueSummary]:
    names = visible_queue_names(user, section.backend, (q.name for q in section.queues))
    return [q for q in section.queues if q.name in names]


async def list_queues(backend: QueueBackend) -> list[QueueSummary]:
    """``backend.list_queues()``, kept for ``COUNTS_CACHE_SECONDS`` (0: always read) and
    refreshed behind the requests (``kept_counts``).

    With many tabs open, the server is then read at most once per period, whatever the number
    of requests; actions through the board forget the counts of their backend at once.
    """
    return await kept_counts.get(backend, float(setting("COUNTS_CACHE_SECONDS")))


def forget(backend: QueueBackend) -> None:
    """Drop the backend's kept counts (after an action changed them)."""
    kept_counts.forget(backend)


async def _read_section(backend: QueueBackend) -> BackendSection:
    try:
        return BackendSection(backend, await list_queues(backend))
    except BackendError as exc:
        return BackendSection(backend, problem=str(exc))


async def overview_sections(user: object) -> list[BackendSection]:
    """Every backend the user may see with its visible queues, read concurrently."""
    visible = await on_loop_if_no_io(user, lambda: _visible_backends(user))
    sections = list(await asyncio.gather(*(_read_section(b) for b in visible)))

    def filter_all() -> None:
        for section in sections:
            section.queues = _visible_queues(user, section)

    await on_loop_if_no_io(user, filter_all)
    return sections


async def visible_backend(user: object, alias: str, queue: str) -> QueueBackend:
    """The backend ``alias`` if the user may see ``queue`` in it; else ``QueueNotFound``.

    Hidden and forbidden queues answer exactly like missing ones, so their names don't leak.
    """

    def lookup() -> QueueBackend | None:
        if alias not in backends.settings or not can_view_backend(user, alias):
            return None
        backend = backends[alias]
        return backend if can_view_queue(user, backend, queue) else None

    backend = await on_loop_if_no_io(user, lookup)
    if backend is None:
        raise QueueNotFound(alias, queue)
    return backend


@dataclass
class WorkersView:
    """What the queue page shows of a queue's workers: the list, or why there is none."""

    workers: list[WorkerInfo]
    problem: str | None = None


async def workers_of(backend: QueueBackend, queue: str) -> WorkersView | None:
    """The queue's workers for the queue page; None where the backend cannot list them."""
    if not backend.supports_workers:
        return None
    try:
        return WorkersView(await backend.list_workers(queue))
    except WorkersUnavailable as exc:
        return WorkersView([], str(exc))
