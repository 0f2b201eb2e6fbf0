"""The live BullMQ side of the demo: slow workers on the demo queues and a trickle producer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from bullmq import FlowProducer, Queue, Worker

from . import BULLMQ_QUEUES
from .bullmq_jobs import process, quarterly_flow, random_job

logger = logging.getLogger(__name__)

CONCURRENCY = {"emails": 2, "images": 1, "reports": 1}


async def trickle(
    url: str, prefix: str, stop: asyncio.Event, pause: tuple[float, float] = (8.0, 20.0)
) -> None:
    """Add a few jobs a minute (and now and then a flow) until ``stop`` is set."""
    rng = random.Random()  # noqa: S311 - demo data, not secrets
    queues = {name: Queue(name, {"connection": url, "prefix": prefix}) for name in BULLMQ_QUEUES}
    flows = FlowProducer({"connection": url, "prefix": prefix})
    try:
        for count in range(1, 1_000_000):
            if count % 8 == 0:
                year, q = rng.randint(2020, 2024), rng.randint(1, 4)
                months = tuple(f"{year}-{3 * q - 2 + i:02d}" for i in range(3))
                await flows.add(quarterly_flow(f"{year}-Q{q}", months))
                logger.info("Added flow quarterly-report %s-Q%s", year, q)
            else:
                spec = random_job(rng)
                job = await queues[spec.queue].add(spec.name, spec.data, spec.opts)
                logger.info("Added %s #%s to %s", spec.name, job.id, spec.queue)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), rng.uniform(*pause))
            if stop.is_set():
                return
    finally:
        await flows.close()
        for queue in queues.values():
            await queue.close()


async def run(url: str, prefix: str, stop: asyncio.Event, *, produce: bool = True) -> None:
    """Process the demo queues slowly (and trickle new jobs in) until ``stop`` is set."""
    opts = {"connection": url, "prefix": prefix, "name": "demo-worker"}
    workers = [Worker(name, process, {**opts, "concurrency": n}) for name, n in CONCURRENCY.items()]
    producer = asyncio.create_task(trickle(url, prefix, stop)) if produce else None
    try:
        await stop.wait()
    finally:
        if producer is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await producer
        # Jobs cut short keep their lock until it expires; the next worker finds them stalled.
        await asyncio.gather(*(worker.close(force=True) for worker in workers))
