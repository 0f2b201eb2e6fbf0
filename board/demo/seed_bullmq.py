"""Fill the BullMQ demo queues with jobs in every state, through the Python ``bullmq`` package.

Completed and failed jobs are run by real Workers (with logs, progress, return values and
tracebacks); waiting, prioritized, delayed and flow jobs are left for the live demo worker,
which makes jobs active.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import redis.asyncio as aioredis
from bullmq import FlowProducer, Queue, Worker

from . import BULLMQ_QUEUES
from .bullmq_jobs import JobSpec, email, monthly_report, process, quarterly_flow, thumbnail
from .seed_schedules import seed as seed_schedules

HOUR_MS = 3_600_000


def finished_batch() -> list[JobSpec]:
    """Jobs the seed runs to the end at once: most complete, some fail."""
    return [
        email("ada.lovelace@example.com"),
        email("grace.hopper@example.com", "receipt"),
        email("linus@example.org", "digest"),
        email("ken@mail.invalid", attempts=2),  # bounces twice
        email("margaret@example.com", "newsletter"),  # unknown template
        thumbnail("uploads/cat.jpg", 4032, 3024),
        thumbnail("uploads/beach.png", 1920, 1080),
        thumbnail("uploads/broken.gif", 0, 0),  # zero width
        monthly_report("2025-09", "eu"),
        monthly_report("2025-10", "us"),
        monthly_report("2025-13", "eu"),  # no such month
        monthly_report("2025-10", "mars"),  # no such region
    ]


def pending_batch() -> list[JobSpec]:
    """Jobs left for the live worker: waiting (slow), prioritized and delayed."""
    return [
        email("alan.turing@example.com", seconds=8),
        email(
            "barbara@mail.invalid", seconds=6, attempts=2, backoff={"type": "fixed", "delay": 5000}
        ),
        email("weekly@example.com", "digest", seconds=5),
        email("vip.customer@example.com", "receipt", seconds=4, priority=1),
        email("newsletter@example.com", "digest", seconds=4, priority=5),
        email("later@example.com", delay=90_000),
        email("tomorrow@example.com", "digest", delay=24 * HOUR_MS),
        thumbnail("uploads/mountain.jpg", 6000, 4000, seconds=10),
        thumbnail("uploads/logo.png", 512, 512, seconds=6),
        thumbnail("uploads/avatar.png", 256, 256, seconds=3, priority=2),
        thumbnail("uploads/panorama.jpg", 12000, 3000, delay=5 * 60_000),
        monthly_report("2025-11", "apac", seconds=12),
        monthly_report("2025-11", "eu", seconds=8, priority=3),
        monthly_report("2025-12", "us", delay=HOUR_MS),
    ]


FLOWS = (
    quarterly_flow("2025-Q3", ("2025-07", "2025-08", "2025-09")),
    # Its chart is due in an hour, so the parent waits for children that long.
    quarterly_flow("2025-Q4", ("2025-10", "2025-11", "2025-12"), chart_delay_ms=HOUR_MS),
)


async def clear(url: str, prefix: str, names: tuple[str, ...] = BULLMQ_QUEUES) -> int:
    """Delete every key of the demo queues (jobs, logs, events, meta)."""
    client = aioredis.Redis.from_url(url)
    deleted = 0
    try:
        for name in names:
            keys = [key async for key in client.scan_iter(match=f"{prefix}:{name}:*", count=1000)]
            for start in range(0, len(keys), 500):
                deleted += await client.delete(*keys[start : start + 500])
    finally:
        await client.aclose()
    return deleted


async def add_jobs(queues: dict[str, Queue], specs: list[JobSpec]) -> None:
    for spec in specs:
        await queues[spec.queue].add(spec.name, spec.data, spec.opts)


async def run_until_finished(
    url: str, prefix: str, queues: dict[str, Queue], expected: dict[str, int], within: float = 60
) -> None:
    """Run a Worker on each queue until ``expected`` jobs of it are completed or failed."""
    opts = {"connection": url, "prefix": prefix, "concurrency": 4, "name": "demo-seed"}
    workers = [Worker(name, process, opts) for name in queues]
    try:
        deadline = time.monotonic() + within
        while True:
            done = {
                name: sum((await queue.getJobCounts("completed", "failed")).values())
                for name, queue in queues.items()
            }
            if all(done[name] >= expected.get(name, 0) for name in queues):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"The seed's workers finished only {done} of {expected}.")
            await asyncio.sleep(0.1)
    finally:
        await asyncio.gather(*(worker.close() for worker in workers))


async def seed(url: str, prefix: str = "bull") -> dict[str, dict[str, Any]]:
    """Replace the demo queues with jobs in every state; returns ``getJobCounts`` per queue."""
    await clear(url, prefix)
    queues = {name: Queue(name, {"connection": url, "prefix": prefix}) for name in BULLMQ_QUEUES}
    flows = FlowProducer({"connection": url, "prefix": prefix})
    try:
        finished = finished_batch()
        await add_jobs(queues, finished)
        expected = {name: sum(spec.queue == name for spec in finished) for name in queues}
        await run_until_finished(url, prefix, queues, expected)
        await add_jobs(queues, pending_batch())
        for flow in FLOWS:
            await flows.add(flow)
        await seed_schedules(url, prefix)
        return {name: await queue.getJobCounts() for name, queue in queues.items()}
    finally:
        await flows.close()
        for queue in queues.values():
            await queue.close()
