"""RQ's workers from their own records: ``rq:workers:<queue>`` names them, ``rq:worker:<name>``
holds each one's state, current job, heartbeat and counters (``rq/worker/base.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import redis.asyncio

from ..types import WorkerInfo
from .decode import integer, text, when
from .keys import WORKER_PREFIX, workers_key

FIELDS = (
    "hostname",
    "ip_address",
    "pid",
    "state",
    "current_job",
    "last_heartbeat",
    "birth",
    "successful_job_count",
    "failed_job_count",
    "total_working_time",
    "queues",
    "death",
)


async def read_workers(client: redis.asyncio.Redis, queue: str) -> list[WorkerInfo]:
    """The workers registered for ``queue``, in two round trips whatever their number; a
    worker whose record expired (it died without saying) is left out."""
    keys = sorted(text(member) or "" for member in await client.smembers(workers_key(queue)))
    if not keys:
        return []
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.hmget(key, list(FIELDS))
    replies = await pipe.execute()
    now = datetime.now(UTC)
    workers = []
    for key, values in zip(keys, replies, strict=True):
        fields = dict(zip(FIELDS, values, strict=True))
        if all(value is None for value in values) or fields.get("death"):
            continue
        workers.append(_worker(key, fields, now))
    return workers


def _worker(key: str, fields: dict[str, bytes | None], now: datetime) -> WorkerInfo:
    birth = when(fields.get("birth"))
    working = text(fields.get("total_working_time"))
    try:
        seconds = float(working) if working else None
    except ValueError:
        seconds = None
    queues = tuple(name for name in (text(fields.get("queues")) or "").split(",") if name)
    return WorkerInfo(
        name=key.removeprefix(WORKER_PREFIX),
        host=text(fields.get("hostname")) or text(fields.get("ip_address")) or "",
        connections=0,
        age_seconds=max(int((now - birth).total_seconds()), 0) if birth else 0,
        idle_seconds=0,
        state=text(fields.get("state")) or "?",
        current_job=text(fields.get("current_job")) or None,
        heartbeat_at=when(fields.get("last_heartbeat")),
        pid=integer(fields.get("pid")),
        successful=integer(fields.get("successful_job_count")) or 0,
        failed=integer(fields.get("failed_job_count")) or 0,
        working_seconds=seconds,
        queues=queues,
    )


async def without_workers(client: redis.asyncio.Redis, queues: Iterable[str]) -> set[str]:
    """Those of ``queues`` no worker has registered for, in one round trip."""
    names = list(queues)
    if not names:
        return set()
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.scard(workers_key(name))
    replies = await pipe.execute()
    return {name for name, count in zip(names, replies, strict=True) if not count}
