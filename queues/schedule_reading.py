"""Schedules across the board: every visible queue's first schedules, read concurrently."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .backends.base import QueueBackend
from .backends.errors import BackendError
from .backends.schedule_types import Schedule, SchedulePage
from .reading import overview_sections


@dataclass
class BoardSchedules:
    """The schedules shown, each queue's total, and what could not be read."""

    schedules: list[Schedule] = field(default_factory=list)
    #: (backend, queue, total, shown, paused) of each queue holding schedules.
    queues: list[tuple[QueueBackend, str, int, int, bool]] = field(default_factory=list)
    #: (backend alias, queue or None, message).
    problems: list[tuple[str, str | None, str]] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return any(total > shown for _b, _q, total, shown, _p in self.queues)


async def _page(backend: QueueBackend, queue: str, count: int) -> SchedulePage | str:
    try:
        return await backend.list_schedules(queue, 0, count - 1)
    except BackendError as exc:
        return str(exc)


async def board_schedules(user: object, per_queue: int) -> BoardSchedules:
    """Up to ``per_queue`` schedules of every queue ``user`` may see, soonest next run first."""
    sections = await overview_sections(user)
    found = BoardSchedules(
        problems=[(s.backend.alias, None, s.problem) for s in sections if s.problem]
    )
    wanted = [
        (section.backend, summary.name)
        for section in sections
        if section.backend.supports_schedules
        for summary in section.queues
    ]
    pages = await asyncio.gather(*(_page(b, q, per_queue) for b, q in wanted))
    for (backend, name), page in zip(wanted, pages, strict=True):
        if isinstance(page, str):
            found.problems.append((backend.alias, name, page))
            continue
        if page.total:
            found.queues.append((backend, name, page.total, len(page.schedules), page.queue_paused))
        found.schedules.extend(page.schedules)
    found.schedules.sort(key=lambda s: (s.next_run_at is None, s.next_run_at or 0))
    return found


async def stuck_reason(backend: QueueBackend, queue: str, schedules: list[Schedule]) -> str:
    """Why the overdue schedules of ``queue`` do not run, when the board can tell: the queue
    is not paused (an overdue state is never paused) and no worker is connected. One worker
    listing per call, only when a schedule is overdue; "" otherwise."""
    from django.utils.translation import gettext as _

    from .backends.schedule_types import ScheduleState

    if not backend.supports_workers or not any(s.state == ScheduleState.OVERDUE for s in schedules):
        return ""
    try:
        workers = await backend.list_workers(queue)
    except BackendError:
        return ""
    if workers:
        return ""
    return _(
        "Overdue and stuck: its next run is past due, the queue is not paused and no worker is "
        "connected to the queue to run it."
    )
