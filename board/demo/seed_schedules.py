"""Job schedulers for the BullMQ demo, so that the Schedules page is full on the first run: cron
schedules in time zones, an interval, one with a limit the demo worker soon reaches (it then
shows as finished), and a legacy repeatable job of BullMQ before 5.16 (shown read-only)."""

from __future__ import annotations

import time
from typing import Any

import redis.asyncio as aioredis
from bullmq import Queue
from bullmq.job_scheduler import JobScheduler

from queues.backends.bullmq.schedules import cronsim_strategy

#: (queue, scheduler id, repeat options, job name, data).
SCHEDULES: tuple[tuple[str, str, dict[str, Any], str, dict[str, Any]], ...] = (
    ("reports", "monthly-report:eu", {"pattern": "0 9 1 * *", "tz": "Europe/Berlin"},
     "monthly-report", {"month": "next", "region": "eu"}),
    ("emails", "weekday-digest", {"pattern": "30 8 * * 1-5", "tz": "America/New_York"},
     "send-email", {"to": "team@example.com", "template": "digest"}),
    ("emails", "newsletter", {"every": 600_000}, "send-email",
     {"to": "list@example.com", "template": "newsletter"}),
    ("images", "thumbnail-warmup", {"every": 20_000, "limit": 3}, "thumbnail",
     {"path": "img/hero.png", "width": 1600, "height": 900}),
)  # fmt: skip
#: A repeatable job as BullMQ before 5.16 stored it: a bare member, no hash.
LEGACY = ("emails", "send-email::::3600000")


async def seed(url: str, prefix: str = "bull") -> int:
    """Upsert the demo schedulers with the ``bullmq`` package; returns how many were written."""
    for queue_name, scheduler_id, repeat, name, data in SCHEDULES:
        queue = Queue(queue_name, {"connection": url, "prefix": prefix})
        try:
            scheduler = JobScheduler(queue, repeat_strategy=cronsim_strategy)
            await scheduler.upsertJobScheduler(scheduler_id, repeat, name, data)
        finally:
            await queue.close()
    client = aioredis.Redis.from_url(url)
    try:
        queue_name, member = LEGACY
        next_run = int(time.time() * 1000) + 3_600_000
        await client.zadd(f"{prefix}:{queue_name}:repeat", {member: next_run})
    finally:
        await client.aclose()
    return len(SCHEDULES) + 1
