"""What consumers watch, as announced to the reader: queues (for new rows) and jobs (pages)."""

from __future__ import annotations

import time

#: The "job" of a watch on a queue followed for a job page's flow tree (not a page of its own).
FLOW = ""


class Watches:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._until: dict[tuple[str, str, str | None], float] = {}

    def touch(self, alias: str, queue: str, job_id: str | None = None) -> None:
        self._until[(alias, queue, job_id)] = time.monotonic() + self.ttl

    def _live(self) -> list[tuple[str, str, str | None]]:
        now = time.monotonic()
        for key in [key for key, until in self._until.items() if until < now]:
            del self._until[key]
        return list(self._until)

    def queues(self, alias: str) -> set[str]:
        return {queue for a, queue, job in self._live() if a == alias and job is None}

    def jobs(self, alias: str) -> set[tuple[str, str]]:
        return {
            (queue, job) for a, queue, job in self._live() if a == alias and job not in (None, FLOW)
        }

    def flows(self, alias: str) -> set[str]:
        """Queues followed for the flow trees of job pages (they are in ``queues`` too)."""
        return {queue for a, queue, job in self._live() if a == alias and job == FLOW}
