"""The process's bulk-run workers: at most ``BULK_WORKERS`` threads, the other runs wait.

A run is handed over with ``submit`` and waits in one first-in first-out line until a worker is
free; meanwhile its row says "queued". Workers are daemon threads started when a run arrives
and none is free, up to the setting, and leave after a minute without work, so an idle board
holds none. Daemon threads, as each run had before: stopping the server interrupts a run (its
page says so once its heartbeat is stale) instead of waiting for it to finish.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from ..conf import setting

logger = logging.getLogger("queues.bulk")

#: Workers are named ``queueboard-run-worker-<n>``.
THREAD_PREFIX = "queueboard-run-worker"
#: A worker without work for this long (seconds) leaves.
IDLE_SECONDS = 60.0

Work = Callable[[Any], None]


class RunPool:
    """Workers and the line of runs waiting for one, kept under one lock (a condition)."""

    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._line: deque[tuple[Any, Work]] = deque()
        self._workers: set[threading.Thread] = set()
        self._idle = 0  # workers waiting for a run
        self._started = 0

    @staticmethod
    def size() -> int:
        return max(int(setting("BULK_WORKERS")), 1)

    def submit(self, run_id: Any, work: Work) -> None:
        """Run ``work(run_id)`` on a worker: now if one is free or may be started, else later."""
        with self._ready:
            self._line.append((run_id, work))
            if len(self._line) > self._idle and len(self._workers) < self.size():
                self._started += 1
                name = f"{THREAD_PREFIX}-{self._started}"
                thread = threading.Thread(target=self._work, name=name, daemon=True)
                self._workers.add(thread)
                thread.start()
            self._ready.notify()

    def waiting(self) -> list[Any]:
        """Ids of the runs handed over and not yet started, first in line first."""
        with self._ready:
            return [run_id for run_id, _work in self._line]

    def workers(self) -> int:
        with self._ready:
            return len(self._workers)

    def _work(self) -> None:
        me = threading.current_thread()
        with self._ready:
            while True:
                while not self._line:
                    self._idle += 1
                    woken = self._ready.wait(timeout=IDLE_SECONDS)
                    self._idle -= 1
                    if not woken and not self._line:
                        self._workers.discard(me)
                        return
                if len(self._workers) > self.size():  # the setting went down meanwhile
                    self._workers.discard(me)
                    self._ready.notify()  # the run this woke for is another worker's
                    return
                run_id, work = self._line.popleft()
                self._ready.release()
                try:
                    work(run_id)
                except Exception:  # a run records its own failures; this is the last resort
                    logger.exception("Bulk run %s crashed", run_id)
                finally:
                    self._ready.acquire()


#: The one pool of this process.
pool = RunPool()
