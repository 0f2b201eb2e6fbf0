"""What a backend tells the ``/metrics`` endpoint beyond its counts (``supports_job_totals``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class JobTotals:
    """Jobs a queue has finished since its counters began; None where nothing counts them
    (a BullMQ queue whose workers keep no ``metrics`` option)."""

    completed: int | None = None
    failed: int | None = None
