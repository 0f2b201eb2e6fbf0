"""Reads of a big result table, kept and refreshed by one background thread.

django-tasks-db indexes ``queue_name``, ``backend_name`` and the READY rows (its workers'
ordering); no index holds a row's status with its queue, nor ``finished_at`` or ``started_at``.
So the counts per state of a queue, and the newest rows of a state, are read by scanning the
queue's rows: milliseconds for thousands of rows, a second for a million. The reads of a queue
(or of all queues) holding at least ``KEEP_ROWS`` rows are kept (the backend decides from the
counts it read, so whether a read is kept never depends on how busy the machine was): later
requests get its answer at once, and a read older than
``REFRESH_AFTER`` is put on the list of one background thread, which reads them again one after
another, resting as long as each read took (it never holds more than half of one CPU, however
many people look). An answer older than ``MAX_AGE`` (the board idle) is read again in the
request. Other reads are never kept: a small table is read exactly on every request, as before.

Kept answers are counts shown and pages looked at. What a user acts on is counted and checked
exactly: a queue-wide action counts its rows when asked (``count_for``) and every action reads
the rows it changes under a lock. Each action or change through the board forgets everything
kept, so the next page after it shows exact counts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from asgiref.sync import async_to_sync

T = TypeVar("T")

#: Reads over at least this many rows are kept (the backend counts them).
KEEP_ROWS = 50_000
#: A kept answer older than this (seconds) is read again in the background.
REFRESH_AFTER = 1.0
#: A kept answer older than this (seconds) is read again in the request.
MAX_AGE = 60.0
#: The background thread rests this many times the cost of each read before the next one.
REST_RATIO = 1.0
#: Answers kept at most (pages of many states and depths); beyond, the oldest are dropped.
MAX_ENTRIES = 256


@dataclass
class _Entry:
    value: Any
    read_at: float  # time.monotonic() when its read began
    cost: float
    compute: Callable[[], Awaitable[Any]]


class Kept:
    """The kept reads of one backend (per process)."""

    def __init__(self, prepare: Callable[[], None] | None = None) -> None:
        #: Called in the background thread before its reads (``DjangoTasksBackend`` keeps a
        #: PostgreSQL scan there to one CPU of the server: no parallel workers).
        self._prepare = prepare
        self._entries: dict[Hashable, _Entry] = {}
        self._wanted: dict[Hashable, None] = {}  # in order, each key once
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._generation = 0

    async def read(
        self, key: Hashable, compute: Callable[[], Awaitable[T]], keep: Callable[[T], bool]
    ) -> T:
        """``compute()``'s answer, a kept one when there is one young enough; a new answer is
        kept when ``keep(answer)`` (a read over ``KEEP_ROWS`` rows or more)."""
        entry = self._entries.get(key)
        if entry is not None:
            age = time.monotonic() - entry.read_at
            if age <= MAX_AGE:
                if age >= REFRESH_AFTER:
                    self._want(key)
                return entry.value
        generation = self._generation
        started = time.monotonic()
        value = await compute()
        self._store(key, value, started, compute, generation, keep(value))
        return value

    def forget(self) -> None:
        """Drop every kept answer (the board changed rows); reads running now are not kept."""
        with self._lock:
            self._generation += 1
            self._entries.clear()
            self._wanted.clear()

    def wait(self, timeout: float = 30.0) -> None:
        """Until the background thread has read everything asked of it (for tests)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def is_kept(self, key: Hashable) -> bool:
        return key in self._entries

    def peek(self, key: Hashable) -> Any:
        """The kept answer of ``key`` when there is one not older than ``MAX_AGE``, else None;
        like ``read``, one older than ``REFRESH_AFTER`` is read again in the background."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        age = time.monotonic() - entry.read_at
        if age > MAX_AGE:
            return None
        if age >= REFRESH_AFTER:
            self._want(key)
        return entry.value

    # -- inside ---------------------------------------------------------------------------------

    def _store(
        self,
        key: Hashable,
        value: Any,
        started: float,
        compute: Callable[[], Awaitable[Any]],
        generation: int,
        keep: bool,
    ) -> None:
        cost = time.monotonic() - started
        with self._lock:
            if generation != self._generation:
                return
            if keep:
                self._entries[key] = _Entry(value, started, cost, compute)
                while len(self._entries) > MAX_ENTRIES:
                    oldest = min(self._entries, key=lambda k: self._entries[k].read_at)
                    del self._entries[oldest]
            else:
                self._entries.pop(key, None)

    def _want(self, key: Hashable) -> None:
        with self._lock:
            self._wanted[key] = None
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._refresh_all, name="queueboard-tasks-kept", daemon=True
                )
                self._thread.start()

    def _refresh_all(self) -> None:
        from django.db import connections

        try:
            if self._prepare is not None:
                self._prepare()
            while True:
                with self._lock:
                    if not self._wanted:
                        self._thread = None
                        return
                    key = next(iter(self._wanted))
                    del self._wanted[key]
                    entry = self._entries.get(key)
                    generation = self._generation
                if entry is None:
                    continue
                started = time.monotonic()
                try:
                    # A loop of this thread's own: the ORM's calls run here, on a connection
                    # of this thread, and never wait behind a request's (nor it behind them).
                    value = async_to_sync(_awaited)(entry.compute)
                except Exception:  # the next request reads it (and shows the error) itself
                    with self._lock:
                        self._entries.pop(key, None)
                    continue
                self._store(key, value, started, entry.compute, generation, True)
                time.sleep((time.monotonic() - started) * REST_RATIO)
        finally:
            connections.close_all()
            with self._lock:
                if self._thread is threading.current_thread():
                    self._thread = None


async def _awaited(compute: Callable[[], Awaitable[T]]) -> T:
    return await compute()


__all__ = ["KEEP_ROWS", "MAX_AGE", "MAX_ENTRIES", "REFRESH_AFTER", "Kept"]
