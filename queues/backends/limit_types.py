"""What a backend tells of a queue's limits: its global concurrency, its rate limiter, and the
deduplication a job holds (``supports_global_concurrency``, ``supports_rate_limits``).

Backends only read and write these values; ``queues.actions.concurrency`` checks, audits and
refuses, the same for every backend. A field left None was not set (or is not kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

#: The largest global concurrency the board sets (BullMQ takes any positive number).
CONCURRENCY_MAX = 100_000


@dataclass(frozen=True)
class QueueLimits:
    #: Jobs all workers of the queue may run at once (None: no global limit).
    global_concurrency: int | None
    #: Jobs running now.
    active: int
    #: The queue's global rate limit: at most ``rate_max`` jobs per ``rate_duration_ms``.
    rate_max: int | None = None
    rate_duration_ms: int | None = None
    #: The rate limiter's time left in milliseconds (None: the limiter key is absent, nothing
    #: is held back), and the jobs it counted in its window.
    limiter_ttl_ms: int | None = None
    limiter_count: int | None = None
    #: The limiter was set by hand (BullMQ's ``Queue.rateLimit``): no job starts until it ends.
    limiter_manual: bool = False
    #: Jobs ready to run (waiting and prioritized) while the limiter is on: held back.
    held_back: int = 0


@dataclass(frozen=True)
class Deduplication:
    """A job's deduplication id and whether it still holds it."""

    #: The id the job was added with.
    dedup_id: str
    #: The job the id points to now (None: the id is free, a job with it would be added).
    holder: str | None
    #: Milliseconds the id stays taken (None: until its job completes or fails).
    ttl_ms: int | None = None


class LimitsInterface:
    """The part of the backend interface about limits (``QueueBackend`` inherits it)."""

    #: A queue's global concurrency can be read and set (``read_limits``,
    #: ``set_global_concurrency``).
    supports_global_concurrency: ClassVar[bool] = False
    #: A queue's rate limiter and a job's deduplication can be read (``read_limits``,
    #: ``job_deduplication``).
    supports_rate_limits: ClassVar[bool] = False

    async def read_limits(self, queue: str) -> QueueLimits:
        """The queue's limits from one round trip; raises ``QueueNotFound``."""
        raise NotImplementedError(f"{type(self).__name__} keeps no queue limits.")

    async def set_global_concurrency(
        self, queue: str, concurrency: int | None
    ) -> tuple[int | None, int | None]:
        """Set (None: remove) the queue's global concurrency; (before, after) as read back."""
        raise NotImplementedError(f"{type(self).__name__} cannot set a global concurrency.")

    async def job_deduplication(self, queue: str, job_id: str) -> Deduplication | None:
        """The deduplication id ``job_id`` was added with, who holds it now and for how long;
        None when the job has none (or is gone)."""
        raise NotImplementedError(f"{type(self).__name__} keeps no deduplication ids.")
