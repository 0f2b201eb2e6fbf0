"""Follow a backend without an event stream (Django Tasks): one ``list_queues`` per tick.

``list_queues`` is one aggregate query for all queues' counts. A count that changed is sent;
a count that grew tells viewers of that state how many jobs arrived (there are no ids).
Watched jobs are read once per tick each and sent when what the page shows changed.
"""

from __future__ import annotations

import asyncio
import logging

from ..backends.base import QueueBackend
from ..backends.errors import BackendError, JobNotFound, QueueNotFound
from ..backends.types import JobDetail
from ..states import JobState
from .options import LiveOptions
from .publisher import Publisher
from .watches import Watches

logger = logging.getLogger("queues.live")


def _fingerprint(job: JobDetail) -> tuple[object, ...]:
    return (
        job.state,
        job.progress.text,
        job.processed_at,
        job.finished_at,
        job.due_at,
        job.attempts_made,
        job.log_count,
    )


class CountPoller:
    def __init__(
        self, backend: QueueBackend, publisher: Publisher, watches: Watches, options: LiveOptions
    ) -> None:
        self.backend = backend
        self.publisher = publisher
        self.watches = watches
        self.options = options
        self._counts: dict[str, dict[JobState, int]] = {}
        self._jobs: dict[tuple[str, str], tuple[object, ...]] = {}

    async def run(self) -> None:
        failing = False
        while True:
            try:
                await self.tick()
                if failing:
                    failing = False
                    self.publisher.forget_counts()
                    await self.publisher.resync()
            except BackendError as exc:
                if not failing:
                    logger.warning("Live reader of %r: %s", self.backend.alias, exc)
                failing = True
            await asyncio.sleep(self.options.poll)

    async def tick(self) -> None:
        for summary in await self.backend.list_queues():
            if self.backend.is_queue_hidden(summary.name):
                continue
            before = self._counts.get(summary.name)
            self._counts[summary.name] = dict(summary.counts)
            entered = {
                state: n - before.get(state, 0)
                for state, n in summary.counts.items()
                if before is not None and n > before.get(state, 0)
            }
            await self.publisher.queue(self.backend, summary.name, summary=summary, entered=entered)
        await self._watched_jobs()

    async def _watched_jobs(self) -> None:
        watched = self.watches.jobs(self.backend.alias)
        for key in set(self._jobs) - watched:
            del self._jobs[key]
        for queue, job_id in sorted(watched):
            try:
                job = await self.backend.get_job(queue, job_id)
            except (JobNotFound, QueueNotFound):
                continue
            fingerprint = _fingerprint(job)
            if self._jobs.get((queue, job_id)) not in (None, fingerprint):
                await self.publisher.job(self.backend, job)
            self._jobs[(queue, job_id)] = fingerprint
