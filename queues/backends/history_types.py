"""What a backend tells the metrics history (``queues/history``) beyond its live changes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FinishTimes:
    """When a finished job could start (added, or due for a delayed one), started and
    finished, in ms since the epoch; None where the backend does not know."""

    added_ms: int | None = None
    started_ms: int | None = None
    finished_ms: int | None = None

    @property
    def wait_ms(self) -> int | None:
        if self.added_ms is None or self.started_ms is None:
            return None
        return max(self.started_ms - self.added_ms, 0)

    @property
    def run_ms(self) -> int | None:
        if self.started_ms is None or self.finished_ms is None:
            return None
        return max(self.finished_ms - self.started_ms, 0)


@dataclass(frozen=True)
class NativeThroughput:
    """Finished jobs per minute as the queue's workers count them themselves (BullMQ's
    ``metrics`` option), newest minute first: ``completed[0]`` is the minute starting at
    ``newest_minute`` (seconds since the epoch), ``completed[1]`` the one before, and so on."""

    newest_minute: int
    completed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
