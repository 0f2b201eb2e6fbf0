"""What a backend measures of one queue for its health check (``supports_health``).

Backends only measure; ``queues.health`` turns a sample into findings (what was seen, why it
matters, how to fix it), the same for every backend. A field left None was not measured by
this backend, and its check is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HealthSample:
    #: Jobs whose options were read (the newest of each state, bounded).
    sampled: int = 0
    #: Of those: added with one attempt (no retries), with retries but no backoff, without
    #: ``removeOnFail`` and without ``removeOnComplete``.
    without_retries: int | None = None
    retries_without_backoff: int | None = None
    without_remove_on_fail: int | None = None
    without_remove_on_complete: int | None = None
    #: Jobs whose payload is larger than the threshold, and the largest one.
    payloads_over: int | None = None
    largest_payload_bytes: int | None = None
    largest_payload_job: str | None = None
    #: The whole queue's completed and failed jobs, and the completed ones' estimated memory.
    completed: int | None = None
    failed: int | None = None
    completed_memory_bytes: int | None = None
    #: Jobs waiting for a worker, whether no worker is connected, the oldest one's age.
    waiting: int | None = None
    no_workers: bool | None = None
    oldest_waiting_seconds: float | None = None
    #: Jobs a worker took and stopped renewing (stalled), and the rate limiter's remaining
    #: time in milliseconds (None: no limiter key).
    stalled: int | None = None
    limiter_ttl_ms: int | None = None
    #: The server's eviction policy (Redis ``maxmemory-policy``).
    eviction_policy: str | None = None
