"""What the metrics history reads of BullMQ queues: the times of jobs seen finishing (one
pipeline of ``HMGET`` for a whole batch) and the workers' own per-minute counts
(``metrics:completed`` / ``metrics:failed`` and their ``:data`` lists, mapped to wall time
through ``prevTS``; see ``shared/reference/bullmq-data-model.md``)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from ..history_types import FinishTimes, NativeThroughput
from .keys import QueueKeys

_FIELDS = ("timestamp", "delay", "processedOn", "finishedOn")
#: Minutes of the workers' own counts read at most (BullMQ's ``MetricsTime.TWO_WEEKS``).
MAX_NATIVE_MINUTES = 20160


def _int(value: object) -> int | None:
    if isinstance(value, bytes | str):
        try:
            return int(float(value))
        except ValueError:
            return None
    return None


def finish_times_of(replies: Sequence[Any]) -> FinishTimes | None:
    """One job hash's ``HMGET`` reply as times; None for a job gone or not finished."""
    added, delay, started, finished = (_int(v) for v in replies)
    if finished is None:
        return None
    if added is not None and delay:
        added += max(delay, 0)
    return FinishTimes(added_ms=added, started_ms=started, finished_ms=finished)


def native_series(
    count: object, prev_ts: object, prev_count: object, data: Sequence[object], now_minute: int
) -> list[int] | None:
    """Per-minute counts newest first from ``now_minute`` (seconds), or None without metrics.

    ``data[0]`` is the last closed minute before ``prevTS``'s; the minute of ``prevTS`` holds
    ``count - prevCount``; the minutes after it, up to now, had no finished job."""
    total, stamp, before = _int(count), _int(prev_ts), _int(prev_count)
    if total is None or not stamp:
        return None
    prev_minute = stamp // 60000 * 60
    gap = max((now_minute - prev_minute) // 60, 0)
    series = [0] * gap
    series.append(max(total - (before or 0), 0))
    series.extend(_counts(data))
    return series


def _counts(values: Sequence[object]) -> list[int]:
    """The ``:data`` list's entries as counts (anything unreadable or negative as 0)."""
    out = []
    for value in values:
        try:
            n = int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            n = 0
        out.append(n if n > 0 else 0)
    return out


class BullMQHistoryMixin:
    """``finish_times`` and ``native_throughput`` for ``BullMQBackend`` (uses its ``pool``
    and ``prefix``)."""

    prefix: str
    pool: Any
    #: The times of finished jobs are read from their hashes.
    supports_finish_times = True
    #: Workers started with the ``metrics`` option count finished jobs per minute.
    supports_native_throughput = True

    async def finish_times(
        self, jobs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], FinishTimes]:
        if not jobs:
            return {}
        client = self.pool.get()
        with self.pool.translate_errors():
            async with client.redis.pipeline(transaction=False) as pipe:
                for queue, job_id in jobs:
                    pipe.hmget(QueueKeys(self.prefix, queue).job(job_id), _FIELDS)
                replies = await pipe.execute(raise_on_error=False)
        found: dict[tuple[str, str], FinishTimes] = {}
        for job, reply in zip(jobs, replies, strict=True):
            if isinstance(reply, list | tuple):
                times = finish_times_of(reply)
                if times is not None:
                    found[job] = times
        return found

    async def native_throughput(self, queue: str, minutes: int) -> NativeThroughput | None:
        minutes = max(min(minutes, MAX_NATIVE_MINUTES), 1)
        keys = QueueKeys(self.prefix, queue)
        client = self.pool.get()
        with self.pool.translate_errors():
            async with client.redis.pipeline(transaction=False) as pipe:
                for kind in ("completed", "failed"):
                    pipe.hmget(keys.key(f"metrics:{kind}"), ("count", "prevTS", "prevCount"))
                    pipe.lrange(keys.key(f"metrics:{kind}:data"), 0, minutes - 1)
                replies = await pipe.execute(raise_on_error=False)
        now_minute = int(time.time()) // 60 * 60
        series: list[list[int] | None] = []
        for head, data in (replies[0:2], replies[2:4]):
            if isinstance(head, list | tuple) and len(head) == 3 and isinstance(data, list | tuple):
                series.append(native_series(head[0], head[1], head[2], data, now_minute))
            else:
                series.append(None)
        completed, failed = series
        if completed is None and failed is None:
            return None
        return NativeThroughput(
            newest_minute=now_minute,
            completed=(completed or [])[:minutes],
            failed=(failed or [])[:minutes],
        )
