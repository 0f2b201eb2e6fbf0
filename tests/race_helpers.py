"""Two users retrying failed jobs while live workers run them, for every backend's race test."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import redis.asyncio

from queues.backends.actions import ActionOutcome, JobAction, QueueAction, QueueActionParams
from queues.states import JobState


async def race_retries(
    backend: Any,
    url: str,
    queue: str,
    failed_key: str,
    seconds: float,
    *,
    page: int,
    batch: int,
    pause: float,
) -> tuple[Counter[str], int]:
    """For ``seconds``: two users retry the first ``page`` jobs of ``failed_key`` (in opposite
    orders) at once, while a Retry all runs over and over in steps of ``batch``; returns the
    retries reported per job, and the skips. Every outcome must add up and fail nothing."""
    retried: Counter[str] = Counter()
    skips = 0
    reader = redis.asyncio.Redis.from_url(url, decode_responses=True)
    deadline = time.monotonic() + seconds

    def count(outcome: ActionOutcome) -> None:
        nonlocal skips
        retried.update(outcome.done_ids)
        skips += len(outcome.skipped)
        assert outcome.done == len(outcome.done_ids) and not outcome.failed

    async def two_users() -> None:
        while time.monotonic() < deadline:
            ids = await reader.zrange(failed_key, 0, page - 1)
            if ids:
                for outcome in await asyncio.gather(
                    backend.act_on_jobs(queue, JobAction.RETRY, ids),
                    backend.act_on_jobs(queue, JobAction.RETRY, ids[::-1]),
                ):
                    count(outcome)
            await asyncio.sleep(0.01)

    async def retry_all_runs() -> None:
        while time.monotonic() < deadline:
            params = QueueActionParams(
                state=JobState.FAILED, cutoff_ms=int(time.time() * 1000), report_ids=True
            )
            while True:
                step = await backend.queue_step(queue, QueueAction.RETRY_ALL, params, batch)
                count(step)
                if step.finished:
                    break
            await asyncio.sleep(pause)

    try:
        await asyncio.gather(two_users(), retry_all_runs())
    finally:
        await reader.aclose()
        await backend.close()
    return retried, skips
