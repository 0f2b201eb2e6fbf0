"""The race from the issue: the board retries failed jobs while real Node workers process them.

Two Node bullmq 6.7.0 workers (concurrency 50 each) work through 2,000 jobs, about 30% failing
each time they run. Meanwhile the board retries failed jobs over and over: two users retrying
the same current failed ids at once, and retry-all runs in batches. Afterwards every job is in
exactly one state, none is lost, and each ran once plus once per retry the board reported.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
import redis

from tests import bullmq_producers as producers
from tests.fixtures_bullmq import stop_worker, where_jobs_are
from tests.race_helpers import race_retries

pytestmark = pytest.mark.node

Q = "race"
JOBS = 2000
BOARD_SECONDS = 6.0


def test_board_retries_race_with_node_workers(
    bullmq_backend: Any, redis_url: str, node_worker: Any
) -> None:
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    ids = asyncio.run(producers.add_jobs(redis_url, Q, JOBS))
    workers = [node_worker(Q, 50, 30) for _ in range(2)]
    retried, skips = asyncio.run(
        race_retries(
            bullmq_backend, redis_url, Q, f"bull:{Q}:failed", BOARD_SECONDS,
            page=300, batch=100, pause=0.03,
        )
    )  # fmt: skip
    deadline = time.monotonic() + 30
    pending = ("wait", "active", "prioritized", "delayed", "paused")
    while any(r.exists(f"bull:{Q}:{key}") for key in pending):
        assert time.monotonic() < deadline, "the workers did not drain the queue"
        time.sleep(0.05)
    for worker in workers:
        stop_worker(worker, force=False)

    where = where_jobs_are(redis_url, Q)
    assert sorted(where, key=int) == sorted(ids, key=int)  # none lost, none invented
    assert {job_id: s for job_id, s in where.items() if len(s) != 1} == {}
    assert {s[0] for s in where.values()} <= {"completed", "failed"}
    runs: dict[str, list[int]] = {}
    for raw in r.lrange("race:processed", 0, -1):
        record = json.loads(raw)
        runs.setdefault(record["id"], []).append(record["atm"])
    # Each job ran once, then once more per retry the board reported, and never otherwise.
    assert {j: len(runs.get(j, [])) for j in ids} == {j: 1 + retried[j] for j in ids}
    # Every run but the first came after a failure: attemptsMade went 0, 1, 2, ...
    assert all(sorted(atm) == list(range(len(atm))) for atm in runs.values())
    assert sum(retried.values()) > JOBS * 0.3  # the board really did retry, many times
    assert skips > 0  # and the two users really did collide
    r.close()
