"""Failure groups across the board: every visible queue holding failed jobs, read at most
``CONCURRENT_QUEUES`` at a time, each bounded by its own window (``FAILURE_GROUPS_SCAN``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .backends.base import QueueBackend
from .backends.errors import BackendError
from .failure_groups import FailureGroup, GroupedFailures, read_groups
from .reading import overview_sections
from .states import JobState

#: Queues read at once.
CONCURRENT_QUEUES = 8


@dataclass
class QueueFailures:
    backend: QueueBackend
    queue: str
    found: GroupedFailures


@dataclass
class BoardFailures:
    queues: list[QueueFailures] = field(default_factory=list)
    #: (backend alias, queue or None, message).
    problems: list[tuple[str, str | None, str]] = field(default_factory=list)

    @property
    def groups(self) -> list[tuple[QueueFailures, FailureGroup]]:
        """Every group of every queue, the largest first."""
        pairs = [(q, g) for q in self.queues for g in q.found.groups]
        pairs.sort(key=lambda pair: -pair[1].count)
        return pairs

    @property
    def complete(self) -> bool:
        return all(q.found.complete for q in self.queues)

    @property
    def scanned(self) -> int:
        return sum(q.found.scanned for q in self.queues)


async def board_failures(user: object) -> BoardFailures:
    sections = await overview_sections(user)
    board = BoardFailures(
        problems=[(s.backend.alias, None, s.problem) for s in sections if s.problem]
    )
    wanted = [
        (section.backend, summary.name)
        for section in sections
        if section.backend.supports_failure_groups
        for summary in section.queues
        if summary.counts.get(JobState.FAILED, 0) > 0
    ]
    gate = asyncio.Semaphore(CONCURRENT_QUEUES)

    async def read(backend: QueueBackend, queue: str) -> GroupedFailures | str:
        async with gate:
            try:
                return await read_groups(backend, queue)
            except BackendError as exc:
                return str(exc)

    results = await asyncio.gather(*(read(b, q) for b, q in wanted))
    for (backend, queue), result in zip(wanted, results, strict=True):
        if isinstance(result, str):
            board.problems.append((backend.alias, queue, result))
        elif result.groups:
            board.queues.append(QueueFailures(backend, queue, result))
    return board
