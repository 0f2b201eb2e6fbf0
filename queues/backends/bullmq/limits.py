"""A BullMQ queue's limits: its global concurrency, its rate limiter, a job's deduplication.

* Global concurrency is the ``concurrency`` field of ``<prefix>:<queue>:meta``: bullmq's
  ``moveToActive`` script gives no worker a job while the queue has that many active. It is set
  and removed through the ``bullmq`` package's own ``Queue.setGlobalConcurrency`` and
  ``removeGlobalConcurrency`` (what Node's ``Queue`` does too), and read back after with
  ``getGlobalConcurrency``, so the audit says what BullMQ itself now reads.
* The rate limiter is ``<prefix>:<queue>:limiter``: a counter of the jobs started in the current
  window, expiring with it (``PTTL``). ``Queue.rateLimit(ms)`` writes 2^53-1 there, holding every
  job back until it expires. The global rate limit is ``max`` and ``duration`` in ``meta``.
* A job added with a deduplication id carries it as ``deid``; ``<prefix>:<queue>:de:<id>``
  holds the id of the job that has it, until that job ends or the key's TTL runs out.

Every read is one pipeline of a few constant-time commands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..limit_types import Deduplication, QueueLimits
from .cluster import ready
from .keys import QueueKeys

#: What ``Queue.rateLimit`` writes to the limiter (JavaScript's ``Number.MAX_SAFE_INTEGER``).
MANUAL_LIMIT = 2**53 - 1


def _int(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return int(value.decode() if isinstance(value, bytes) else value)
    except (TypeError, ValueError, UnicodeDecodeError):
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class BullMQLimitsMixin:
    """Mixed into ``BullMQBackend``; uses its ``pool``, ``prefix``, ``_require_queue`` and
    ``_package_queue`` (``job_changes``)."""

    supports_global_concurrency = True
    supports_rate_limits = True

    prefix: str
    pool: Any
    _require_queue: Callable[..., Any]
    _package_queue: Callable[..., Any]

    async def read_limits(self, queue: str) -> QueueLimits:
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            async with client.pipeline(transaction=False) as pipe:
                pipe.hmget(keys.key("meta"), "concurrency", "max", "duration")
                pipe.llen(keys.key("active"))
                pipe.pttl(keys.key("limiter"))
                pipe.get(keys.key("limiter"))
                pipe.llen(keys.key("wait"))
                pipe.zcard(keys.key("prioritized"))
                (
                    (concurrency, rate_max, duration),
                    active,
                    ttl,
                    count,
                    waiting,
                    prioritized,
                ) = await pipe.execute()
        ttl_ms = int(ttl) if int(ttl) > 0 else None
        counted = _int(count) if ttl_ms is not None else None
        return QueueLimits(
            global_concurrency=_int(concurrency),
            active=int(active),
            rate_max=_int(rate_max),
            rate_duration_ms=_int(duration),
            limiter_ttl_ms=ttl_ms,
            limiter_count=counted,
            limiter_manual=counted is not None and counted >= MANUAL_LIMIT,
            held_back=int(waiting) + int(prioritized) if ttl_ms is not None else 0,
        )

    async def set_global_concurrency(
        self, queue: str, concurrency: int | None
    ) -> tuple[int | None, int | None]:
        client = self.pool.get().redis
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            package_queue = self._package_queue(client, queue)
            before = await package_queue.getGlobalConcurrency()
            if concurrency is None:
                await package_queue.removeGlobalConcurrency()
            else:
                await package_queue.setGlobalConcurrency(int(concurrency))
            after = await package_queue.getGlobalConcurrency()
        return before, after

    async def job_deduplication(self, queue: str, job_id: str) -> Deduplication | None:
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        with self.pool.translate_errors():
            dedup_id = _text(await client.hget(keys.job(job_id), "deid"))
            if not dedup_id:
                return None
            key = keys.key(f"de:{dedup_id}")
            await ready(client)  # a cluster's transaction: in this loop (cluster.py)
            async with client.pipeline(transaction=True) as pipe:
                pipe.get(key)
                pipe.pttl(key)
                holder, ttl = await pipe.execute()
        return Deduplication(
            dedup_id=dedup_id,
            holder=_text(holder),
            ttl_ms=int(ttl) if holder is not None and int(ttl) > 0 else None,
        )
