"""Counts the jobs the live reader sees finish, and writes them to the rollups now and then.

The publisher hands every queue update of the elected reader to ``observe`` (the moves of jobs
between states, and how many jobs entered each state). A job entering *completed* or *failed*
is counted; for backends with ``supports_finish_times`` the jobs named in the moves are kept,
and every ``HISTORY_FLUSH_SECONDS`` one read for all of them (at most
``HISTORY_TIMINGS_PER_FLUSH``, of any queues) gives their wait and run times and the minute
they finished in. Jobs without times (gone already, beyond the bound, or counted without ids
by a polled backend) count in the minute they were seen. Then one database transaction adds
the tallies to the minute, hour and day rows (``store.write``).

A backend that is polled (its changes name no job, and its counts only grow by what the poll
saw) but can list what finished since a moment (``supports_recent_finishes``: Django Tasks) is
read by time instead: each write reads the jobs of all its queues finished since the previous
read (at most ``RECENT_ROWS``; the rest at the next write), counting each in the minute it
finished in with its times. Its first read starts when the reader first published for it, so
a restarted board does not count again what the previous one wrote.

One recorder per event loop: leaving the leadership, the reader's last counts still get
written by the recorder's own task, which ends when nothing is left to write.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from django.db import DatabaseError

from ..backends.base import QueueBackend
from ..backends.errors import BackendError
from ..backends.history_types import FinishTimes
from ..conf import setting
from ..live.per_loop import PerLoop
from ..states import JobState
from . import store
from .buckets import Tally, add_sample

logger = logging.getLogger("queues.history")
FINISHED = (JobState.COMPLETED, JobState.FAILED)
#: Jobs read by time per backend and write at most (``supports_recent_finishes``).
RECENT_ROWS = 5000


@dataclass
class Seen:
    """What one queue was seen doing since the last write."""

    backend: QueueBackend
    #: (job id, state, when seen) of the jobs seen finishing, by name.
    jobs: list[tuple[str, JobState, float]] = field(default_factory=list)
    #: Finished jobs counted without a name (by minute, per state).
    unnamed: dict[tuple[int, JobState], int] = field(default_factory=dict)


def _minute(epoch_seconds: float) -> int:
    return int(epoch_seconds // 60) * 60


class Recorder:
    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], Seen] = {}
        self._task: asyncio.Task[None] | None = None
        #: Writes done, rows written and finish-time reads made (for tests and the bench).
        self.writes = 0
        self.rows_written = 0
        self.time_reads = 0
        #: Seconds spent in writes (their reads of finish times and the database).
        self.busy_seconds = 0.0
        #: Backends read by time (``supports_recent_finishes``) with jobs to read, and the
        #: finish time (ms) each read last reached.
        self._recent: dict[str, QueueBackend] = {}
        #: Jobs kept by id for the next write.
        self._named = 0
        self._since: dict[str, int] = {}

    def observe(
        self,
        backend: QueueBackend,
        queue: str,
        moved: Mapping[str, Sequence[JobState]] | None,
        entered: Mapping[JobState, int] | None,
        *,
        now: float | None = None,
    ) -> None:
        """Count the jobs of one queue update that finished (no I/O; cheap)."""
        now = time.time() if now is None else now
        if backend.supports_recent_finishes:
            self._since.setdefault(backend.alias, int(now * 1000))
            if any((entered or {}).get(state) for state in FINISHED):
                self._recent[backend.alias] = backend
                self._ensure_task()
            return
        named: dict[JobState, list[str]] = {}
        for job_id, states in (moved or {}).items():
            if len(states) == 1 and states[0] in FINISHED:
                named.setdefault(states[0], []).append(job_id)
        if not named and not any((entered or {}).get(state) for state in FINISHED):
            return
        seen = self._seen.setdefault((backend.alias, queue), Seen(backend))
        for state in FINISHED:
            ids = named.get(state, [])
            count = (entered or {}).get(state, len(ids)) if entered else len(ids)
            # Ids beyond what one write reads times for are counted only (memory stays
            # bounded however many jobs finish between two writes).
            room = max(int(setting("HISTORY_TIMINGS_PER_FLUSH")) - self._named, 0)
            kept = ids[: min(count, room)] if backend.supports_finish_times else []
            self._named += len(kept)
            seen.jobs.extend((job_id, state, now) for job_id in kept)
            if count > len(kept):
                key = (_minute(now), state)
                seen.unnamed[key] = seen.unnamed.get(key, 0) + count - len(kept)
        self._ensure_task()

    @property
    def pending(self) -> bool:
        return bool(self._seen or self._recent)

    def _ensure_task(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="queueboard-history"
            )

    async def _run(self) -> None:
        while self.pending:
            await asyncio.sleep(float(setting("HISTORY_FLUSH_SECONDS")))
            try:
                await self.flush()
            except (DatabaseError, BackendError) as exc:
                logger.warning("Metrics history: could not write (%s); keeping the counts", exc)
            except Exception:
                logger.exception("Metrics history: write failed; counts dropped")
                self._seen.clear()
                self._recent.clear()

    async def flush(self) -> int:
        """Write what was seen; returns the rows written."""
        seen, self._seen = self._seen, {}
        recent, self._recent = self._recent, {}
        self._named = 0
        if not seen and not recent:
            return 0
        started = time.perf_counter()
        since = dict(self._since)
        try:
            tallies = await self._tallies(seen)
            for backend in recent.values():
                await self._read_recent(backend, tallies)
        except BackendError:
            self._merge_back(seen)
            self._recent.update(recent)
            self._since.update(since)
            raise
        try:
            written = await sync_to_async(store.write)(tallies)
        except DatabaseError:
            self._merge_back(seen)
            self._recent.update(recent)
            self._since.update(since)
            raise
        self.writes += 1
        self.rows_written += written
        self.busy_seconds += time.perf_counter() - started
        return written

    def _merge_back(self, seen: dict[tuple[str, str], Seen]) -> None:
        for key, old in seen.items():
            now = self._seen.setdefault(key, Seen(old.backend))
            now.jobs[:0] = old.jobs
            self._named += len(old.jobs)
            for minute, count in old.unnamed.items():
                now.unnamed[minute] = now.unnamed.get(minute, 0) + count

    async def _read_recent(
        self, backend: QueueBackend, tallies: dict[tuple[str, str, int], Tally]
    ) -> None:
        """One read of the jobs of ``backend`` finished since the last one, counted in the
        minutes they finished in, with their times (``supports_recent_finishes``)."""
        alias = backend.alias
        since = self._since.get(alias, int(time.time() * 1000))
        self.time_reads += 1
        found = await backend.recent_finishes(since, RECENT_ROWS)
        for queue, state, times in found:
            if times.finished_ms is None:
                continue
            since = max(since, times.finished_ms)
            if backend.is_queue_hidden(queue):
                continue
            tally = tallies.setdefault((alias, queue, _minute(times.finished_ms / 1000)), Tally())
            _count(tally, state, 1)
            if times.wait_ms is not None:
                add_sample(tally.wait, times.wait_ms)
            if times.run_ms is not None:
                add_sample(tally.run, times.run_ms)
        self._since[alias] = since
        if len(found) >= RECENT_ROWS:
            self._recent[alias] = backend  # more to read at the next write

    async def _tallies(
        self, seen: dict[tuple[str, str], Seen]
    ) -> dict[tuple[str, str, int], Tally]:
        budget = int(setting("HISTORY_TIMINGS_PER_FLUSH"))
        wanted: dict[str, list[tuple[str, str]]] = {}
        for (alias, queue), part in seen.items():
            for job_id, _state, _at in part.jobs:
                if budget <= 0:
                    break
                wanted.setdefault(alias, []).append((queue, job_id))
                budget -= 1
        times: dict[tuple[str, str, str], FinishTimes] = {}
        for alias, jobs in wanted.items():
            backend = seen[(alias, jobs[0][0])].backend
            self.time_reads += 1
            for (queue, job_id), read in (await backend.finish_times(jobs)).items():
                times[(alias, queue, job_id)] = read
        tallies: dict[tuple[str, str, int], Tally] = {}
        for (alias, queue), part in seen.items():
            for (minute, state), count in part.unnamed.items():
                _count(tallies.setdefault((alias, queue, minute), Tally()), state, count)
            for job_id, state, at in part.jobs:
                found = times.get((alias, queue, job_id))
                finished = found.finished_ms / 1000 if found and found.finished_ms else at
                # A clock far off (or a job finished long ago) counts when it was seen.
                if abs(finished - at) > 3600:
                    finished = at
                tally = tallies.setdefault((alias, queue, _minute(finished)), Tally())
                _count(tally, state, 1)
                if found is not None and found.wait_ms is not None:
                    add_sample(tally.wait, found.wait_ms)
                if found is not None and found.run_ms is not None:
                    add_sample(tally.run, found.run_ms)
        return tallies


def _count(tally: Tally, state: JobState, count: int) -> None:
    if state == JobState.COMPLETED:
        tally.completed += count
    else:
        tally.failed += count


_recorders: PerLoop[Recorder] = PerLoop(Recorder)
#: The recorder of the running event loop (created on first use).
recorder = _recorders.get


def observe(
    backend: QueueBackend,
    queue: str,
    moved: Mapping[str, Sequence[JobState]] | None,
    entered: Mapping[JobState, int] | None,
) -> None:
    """The publisher's hook: count what finished, when the history is on."""
    if setting("HISTORY") and (moved or entered or backend.supports_recent_finishes):
        recorder().observe(backend, queue, moved, entered)
