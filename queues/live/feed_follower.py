"""Follow a backend through its change feed (``backends/changes.py``): render and publish.

The feed gives batches of backend-neutral events; each batch becomes at most one message per
queue (counts, progress cells, moved jobs, how many entered each state, and the new rows of
watched queues' lists that show the newest first) and the job pages of the watched jobs that
moved, progressed or logged. The feed's first batch is a snapshot of every queue's counts;
after a reconnection the viewers are told they may have missed changes. A feed failing
(``BackendError``) is opened again after a backoff.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..backends.base import QueueBackend
from ..backends.changes import (
    ChangeEvent,
    ChangeFeed,
    CountsMoved,
    JobLogged,
    JobMoved,
    JobProgressed,
    QueueAppeared,
)
from ..backends.errors import BackendError, JobNotFound, QueueNotFound
from ..backends.types import JobQuery, JobSummary, QueueSummary
from ..states import JobState
from . import render
from .options import LiveOptions, feed_options
from .publisher import Publisher
from .watches import Watches

logger = logging.getLogger("queues.live")


class WatchedBy:
    """``Watched`` for one backend: what its viewers have open."""

    def __init__(self, watches: Watches, alias: str) -> None:
        self.watches = watches
        self.alias = alias

    def queues(self) -> set[str]:
        return self.watches.queues(self.alias)

    def jobs(self) -> set[tuple[str, str]]:
        return self.watches.jobs(self.alias)

    def flows(self) -> set[str]:
        return self.watches.flows(self.alias)


@dataclass
class QueueChanges:
    """A batch's events of one queue."""

    summary: QueueSummary | None = None
    #: job id -> the states it may be in now, in event order (the last event wins).
    moved: dict[str, tuple[JobState, ...]] = field(default_factory=dict)
    #: job id -> the newest progress, as stored.
    progress: dict[str, str | bytes] = field(default_factory=dict)

    def entered(self) -> dict[JobState, list[str]]:
        """Job ids per state they entered, in event order."""
        result: dict[JobState, list[str]] = {}
        for job_id, states in self.moved.items():
            for state in states:
                result.setdefault(state, []).append(job_id)
        return result


def open_feed(backend: QueueBackend, watches: Watches, options: LiveOptions) -> ChangeFeed | None:
    return backend.change_feed(WatchedBy(watches, backend.alias), feed_options(options))


class FeedFollower:
    def __init__(
        self,
        backend: QueueBackend,
        publisher: Publisher,
        watches: Watches,
        options: LiveOptions,
        feed: ChangeFeed | None = None,
    ) -> None:
        self.backend = backend
        self.publisher = publisher
        self.watches = watches
        self.options = options
        self.sessions = 0
        self._feed = feed

    async def run(self) -> None:
        delay = self.options.backoff
        while True:
            started = time.monotonic()
            try:
                await self._session()
            except BackendError as exc:
                logger.warning("Live reader of %r: %s; reconnecting", self.backend.alias, exc)
            if time.monotonic() - started > self.options.resync:
                delay = self.options.backoff
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.options.max_backoff)

    async def _session(self) -> None:
        feed, self._feed = self._feed, None
        if feed is None:
            feed = open_feed(self.backend, self.watches, self.options)
        if feed is None:
            raise BackendError(f"{type(self.backend).__name__} gave no change feed.")
        try:
            first = True
            async for batch in feed:
                if first:
                    first = False
                    self.publisher.forget_counts()
                    await self.publish(batch, snapshot=True)
                    self.sessions += 1
                    if self.sessions > 1:
                        await self.publisher.resync()
                else:
                    await self.publish(batch)
        finally:
            aclose = getattr(feed, "aclose", None)
            if aclose is not None:
                await aclose()

    async def publish(self, batch: Sequence[ChangeEvent], *, snapshot: bool = False) -> None:
        """Send what ``batch`` says: one message per queue, then the watched job pages."""
        alias = self.backend.alias
        queues: dict[str, QueueChanges] = {}
        appeared: dict[str, QueueSummary] = {}
        logged: list[tuple[str, str]] = []
        for event in batch:
            if isinstance(event, CountsMoved | QueueAppeared):
                queues.setdefault(event.summary.name, QueueChanges()).summary = event.summary
                if isinstance(event, QueueAppeared):
                    appeared[event.summary.name] = event.summary
            elif isinstance(event, JobMoved):
                moved = queues.setdefault(event.queue, QueueChanges()).moved
                moved.pop(event.job_id, None)  # keep event order: re-insert at the end
                moved[event.job_id] = tuple(event.states)
            elif isinstance(event, JobProgressed):
                queues.setdefault(event.queue, QueueChanges()).progress[event.job_id] = (
                    event.progress
                )
            elif isinstance(event, JobLogged):
                logged.append((event.queue, event.job_id))
        watched_queues, watched_jobs = self.watches.queues(alias), self.watches.jobs(alias)
        read: set[tuple[str, str]] = set()
        for name, changes in queues.items():
            if self.backend.is_queue_hidden(name):
                continue
            entered = changes.entered()
            rows = await self._rows(name, entered) if name in watched_queues else {}
            progress = [
                render.progress_job(alias, name, job_id, data)
                for job_id, data in changes.progress.items()
            ]
            await self.publisher.queue(
                self.backend,
                name,
                summary=changes.summary,
                progress=progress,
                moved=changes.moved,
                entered={state: len(set(ids)) for state, ids in entered.items()},
                rows=rows,
            )
            for job in progress:
                if (name, job.id) in watched_jobs and job.id not in changes.moved:
                    await self.publisher.job_progress(job)
            for job_id in changes.moved:
                if (name, job_id) in watched_jobs:
                    read.add((name, job_id))
                    await self._job(name, job_id)
        for key in logged:
            if key in watched_jobs and key not in read:
                read.add(key)
                await self._job(*key)
        if snapshot:
            names = [name for name, changes in queues.items() if changes.summary is not None]
        else:
            names = list(appeared)
        for name in self.publisher.new_queues(alias, names):
            summary = queues[name].summary
            if summary is not None and not self.backend.is_queue_hidden(name):
                await self.publisher.queue_added(self.backend, summary)

    async def _rows(
        self, name: str, entered: dict[JobState, list[str]]
    ) -> dict[JobState, list[JobSummary]]:
        """The newest rows of the states jobs entered, for lists that show newest first."""
        rows: dict[JobState, list[JobSummary]] = {}
        for state, ids in entered.items():
            if state not in self.backend.states or state not in self.backend.newest_first:
                continue
            wanted = set(ids)
            # A full page, not len(wanted) rows: jobs added after these (whose events come in
            # a later batch) may already stand above them.
            try:
                page = await self.backend.list_jobs(JobQuery(name, state, 1, self.options.max_rows))
            except QueueNotFound:
                continue
            rows[state] = [job for job in page.jobs if job.id in wanted]
        return rows

    async def _job(self, queue: str, job_id: str) -> None:
        try:
            job = await self.backend.get_job(queue, job_id)
        except (JobNotFound, QueueNotFound):
            return
        await self.publisher.job(self.backend, job)
