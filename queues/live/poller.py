"""Follow a backend without a change feed (Django Tasks): one ``list_queues`` per tick.

The default for every backend whose ``change_feed`` is None; it uses the base interface only
(``list_queues``, ``list_jobs``, ``get_job``, ``states``, ``newest_first``).

``list_queues`` is one aggregate query for all queues' counts. A count that changed is sent;
a count that grew tells viewers of that state how many jobs arrived; a queue that appears is
announced to overview viewers.

Rows entering and leaving lists: there are no events, so for each queue someone has open (a
watched queue) the poller reads the first page of every state's list (``max_rows`` rows, the
page a viewer sees first) when the queue's counts changed, and at least every ``resync``
seconds. Compared with the previous read:

- a job newly in a state's first page has moved there (a ``moved`` entry, as BullMQ's events
  give): viewers of other states drop its row;
- a job that was in a first page and is in none now is read once: it moved to its current
  state, or was removed;
- in lists ordered newest first (the backend's ``newest_first``), the new jobs above every
  job of the previous read entered the list: their rows are sent for insertion at the top
  (the page shows them or says "N new jobs"). Jobs that only slide up into the first page
  (one above them left) are not new.

A job deeper than the first page that changes state without surfacing in another state's
first page is not seen to leave (its count still moves). Django Tasks has no progress.
Watched jobs are read once per tick each and sent when what the page shows changed.
"""

from __future__ import annotations

import asyncio
import logging
import time

from ..backends.base import QueueBackend
from ..backends.errors import BackendError, JobNotFound, QueueNotFound
from ..backends.types import JobDetail, JobQuery, JobSummary
from ..states import JobState
from .options import LiveOptions
from .publisher import Publisher
from .watches import Watches

logger = logging.getLogger("queues.live")
Tops = dict[JobState, list[JobSummary]]


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
        #: Watched queue -> (when read, the first page of each state).
        self._tops: dict[str, tuple[float, Tops]] = {}

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
        watched = self.watches.queues(self.backend.alias)
        for name in set(self._tops) - watched:
            del self._tops[name]
        listed = [
            summary
            for summary in await self.backend.list_queues()
            if not self.backend.is_queue_hidden(summary.name)
        ]
        for summary in listed:
            before = self._counts.get(summary.name)
            self._counts[summary.name] = dict(summary.counts)
            entered = {
                state: n - before.get(state, 0)
                for state, n in summary.counts.items()
                if before is not None and n > before.get(state, 0)
            }
            moved: dict[str, tuple[JobState, ...]] = {}
            rows: dict[JobState, list[JobSummary]] = {}
            if summary.name in watched and self._due(summary.name, before != summary.counts):
                moved, rows = await self._lists(summary.name)
                for state, jobs in rows.items():
                    entered[state] = max(entered.get(state, 0), len(jobs))
            await self.publisher.queue(
                self.backend,
                summary.name,
                summary=summary,
                entered=entered,
                moved=moved,
                rows={
                    state: jobs
                    for state, jobs in rows.items()
                    if state in self.backend.newest_first
                },
            )
        new = self.publisher.new_queues(self.backend.alias, [s.name for s in listed])
        for summary in listed:
            if summary.name in new:
                await self.publisher.queue_added(self.backend, summary)
        await self._watched_jobs()

    def _due(self, name: str, changed: bool) -> bool:
        known = self._tops.get(name)
        return known is None or changed or time.monotonic() - known[0] >= self.options.resync

    async def _lists(
        self, name: str
    ) -> tuple[dict[str, tuple[JobState, ...]], dict[JobState, list[JobSummary]]]:
        """Moves and new rows of a watched queue since its first pages were last read."""
        tops: Tops = {}
        for state in self.backend.states:
            if state in self.backend.counted_only:  # counted, never listed: its count moves
                continue
            try:
                page = await self.backend.list_jobs(JobQuery(name, state, 1, self.options.max_rows))
            except QueueNotFound:
                self._tops.pop(name, None)
                return {}, {}
            tops[state] = list(page.jobs)
        known = self._tops.get(name)
        self._tops[name] = (time.monotonic(), tops)
        if known is None:
            return {}, {}
        previous = known[1]
        was = {job.id: state for state, jobs in previous.items() for job in jobs}
        now = {job.id: state for state, jobs in tops.items() for job in jobs}
        moved: dict[str, tuple[JobState, ...]] = {}
        rows: dict[JobState, list[JobSummary]] = {}
        for state, jobs in tops.items():
            for job in jobs:
                if was.get(job.id) != state:
                    moved[job.id] = (state,)
            old = {job.id for job in previous.get(state, [])}
            new_at_top = []
            for job in jobs:
                if job.id in old:
                    break
                new_at_top.append(job)
            if new_at_top:
                rows[state] = new_at_top
        for job_id, state in was.items():
            if job_id in now:
                continue
            try:
                job = await self.backend.get_job(name, job_id)
            except (JobNotFound, QueueNotFound):
                moved[job_id] = ()
                continue
            if job.state != state:
                moved[job_id] = (job.state,)
        return moved, rows

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
