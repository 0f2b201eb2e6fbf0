"""RQ actions racing live ``rq worker`` processes: no job lost, none run twice.

Two real workers work through jobs that fail about one run in three while the board retries
failed jobs over and over (two users retrying the same ids at once, and retry-all steps);
then they take queued jobs while the board cancels them. Afterwards every job is in exactly
one place, each ran once plus once per retry the board reported, and no canceled job ran.
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis

from queues.backends.actions import JobAction
from queues.states import JobState
from tests import rq_action_tasks as tasks
from tests.race_helpers import race_retries
from tests.rq_action_helpers import (
    producer,
    run,
    runs,
    start_worker,
    status,
    stop_worker,
    wait_for,
    where,
)

Q = "race"
JOBS = 150
BOARD_SECONDS = 3.0


def drained(url: str) -> bool:
    client = redis.Redis.from_url(url)
    return not client.llen(f"rq:queue:{Q}") and not client.zcard(f"rq:wip:{Q}")


def test_retries_racing_live_workers_lose_and_duplicate_nothing(rq_backend: Any, redis_url: str):
    queue = producer(redis_url, Q)
    ids = [queue.enqueue(tasks.flaky, f"j{n}", job_id=f"j{n}").id for n in range(JOBS)]
    workers = [start_worker(redis_url, Q, name=f"racer{n}", simple=True) for n in range(2)]
    try:
        retried, _skips = asyncio.run(
            race_retries(
                rq_backend, redis_url, Q, f"rq:failed:{Q}", BOARD_SECONDS,
                page=100, batch=20, pause=0.02,
            )
        )  # fmt: skip
        wait_for(lambda: drained(redis_url), timeout=120, what="the workers to finish")
    finally:
        for worker in workers:
            stop_worker(worker)
    assert sum(retried.values()) > 0
    for job_id in ids:
        assert len(where(redis_url, Q, job_id)) == 1, (job_id, where(redis_url, Q, job_id))
        assert status(redis_url, job_id) in ("finished", "failed")
        assert runs(redis_url, job_id) == 1 + retried[job_id], job_id


def test_cancel_racing_live_workers_never_lets_a_canceled_job_run(rq_backend: Any, redis_url: str):
    queue = producer(redis_url, Q)
    ids = [queue.enqueue(tasks.record, f"c{n}", job_id=f"c{n}").id for n in range(JOBS)]
    workers = [start_worker(redis_url, Q, name=f"taker{n}", simple=True) for n in range(2)]
    canceled: set[str] = set()
    try:
        wait_for(lambda: runs(redis_url, "c0"), what="the workers to start")
        for start in range(0, JOBS, 25):
            outcome = run(rq_backend, rq_backend.act_on_jobs(Q, JobAction.CANCEL, ids[start:][:25]))
            canceled.update(outcome.done_ids)
            for skip in outcome.skipped:
                assert skip.state in (JobState.ACTIVE, JobState.COMPLETED), skip
        wait_for(lambda: drained(redis_url), timeout=120, what="the workers to finish")
    finally:
        for worker in workers:
            stop_worker(worker)
    assert canceled, "the workers took every job before the board could cancel one"
    for job_id in ids:
        expected = "canceled" if job_id in canceled else "finished"
        assert where(redis_url, Q, job_id) == [expected], job_id
        assert runs(redis_url, job_id) == (0 if job_id in canceled else 1), job_id
