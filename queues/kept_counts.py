"""The overview's counts, kept per process for ``COUNTS_CACHE_SECONDS`` and refreshed behind.

Reading the counts of every queue is the overview's one expensive read (at 10,000 BullMQ queues
a counts script of 100,000 commands, about 0.4 s; see ``bench/results/ten_thousand_queues.md``).
Kept for ``COUNTS_CACHE_SECONDS``, the server is read at most once per period whatever the
number of tabs open. When the period has run out:

- on an event loop that outlives its requests (daphne, uvicorn: the loop that made the kept
  counts serves the next request too), a request up to one more period later is answered from
  the kept counts while ONE read replaces them in the background, so no request waits for it;
- otherwise (each request on a loop of its own, as under WSGI, or the counts older than that),
  the request reads them, and requests arriving meanwhile on the same loop share that read.

The board's actions ``forget`` a backend's counts: the next request reads them again, and a
read that began before the action never becomes the kept counts.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import weakref
from dataclasses import dataclass

from .backends.base import QueueBackend
from .backends.reads_behind import behind_context
from .backends.types import QueueSummary

logger = logging.getLogger("queues")


@dataclass(frozen=True)
class Kept:
    read_at: float
    queues: list[QueueSummary]
    #: The loop that read them: the same loop serving a later request outlives its requests.
    loop: weakref.ref[asyncio.AbstractEventLoop]


@dataclass(frozen=True)
class Read:
    task: asyncio.Task[list[QueueSummary]]
    #: The backend's generation when the read began (see ``KeptCounts.forget``).
    generation: int


class KeptCounts:
    """Every backend's kept counts in this process."""

    def __init__(self) -> None:
        self._kept: weakref.WeakKeyDictionary[QueueBackend, Kept] = weakref.WeakKeyDictionary()
        self._reads: weakref.WeakKeyDictionary[QueueBackend, Read] = weakref.WeakKeyDictionary()
        self._generations: weakref.WeakKeyDictionary[QueueBackend, int] = (
            weakref.WeakKeyDictionary()
        )

    async def get(self, backend: QueueBackend, ttl: float) -> list[QueueSummary]:
        """``backend.list_queues()``, kept for ``ttl`` seconds (0: read every time)."""
        if ttl <= 0:
            return await backend.list_queues()
        loop = asyncio.get_running_loop()
        kept = self._kept.get(backend)
        if kept is not None:
            age = time.monotonic() - kept.read_at
            if age < ttl:
                return kept.queues
            if age < 2 * ttl and kept.loop() is loop:
                self._read(backend, loop, behind=True)
                return kept.queues
        # Shielded: a request that goes away does not cancel the read others wait for.
        return await asyncio.shield(self._read(backend, loop, behind=False))

    def forget(self, backend: QueueBackend) -> None:
        """Drop the backend's counts; a read under way is not kept either."""
        self._kept.pop(backend, None)
        self._generations[backend] = self._generations.get(backend, 0) + 1

    def _read(
        self, backend: QueueBackend, loop: asyncio.AbstractEventLoop, *, behind: bool
    ) -> asyncio.Task[list[QueueSummary]]:
        """The read under way on this loop since the last ``forget``, or a new one. A read
        behind the requests runs in a context of its own, so it is counted in none of them, and
        the backend may split it into shorter calls (``reads_behind``)."""
        generation = self._generations.get(backend, 0)
        read = self._reads.get(backend)
        if (
            read is not None
            and not read.task.done()
            and read.generation == generation
            and read.task.get_loop() is loop
        ):
            return read.task
        context = behind_context() if behind else contextvars.copy_context()
        task = loop.create_task(
            self._keep(backend, loop, generation), name="queueboard-counts", context=context
        )
        task.add_done_callback(_retrieved)
        self._reads[backend] = Read(task, generation)
        return task

    async def _keep(
        self, backend: QueueBackend, loop: asyncio.AbstractEventLoop, generation: int
    ) -> list[QueueSummary]:
        started = time.monotonic()
        queues = await backend.list_queues()
        if self._generations.get(backend, 0) == generation:
            self._kept[backend] = Kept(started, queues, weakref.ref(loop))
        return queues


def _retrieved(task: asyncio.Task[list[QueueSummary]]) -> None:
    """A read behind the requests that failed is logged; a request waiting for it gets the
    error itself (the kept counts stay until they are too old, then a request reads them)."""
    if not task.cancelled() and task.exception() is not None:
        logger.info("The overview's counts were not read again: %s", task.exception())


kept_counts = KeptCounts()
