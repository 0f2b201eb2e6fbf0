"""Queues written by the Python ``bullmq`` package (3.4.4) and by hand, for the backend tests.

Every function takes the private Redis URL. The async ones drive real bullmq ``Queue``,
``Worker`` and ``FlowProducer`` objects; the ``write_*`` ones write what older clients left
behind (or what a broken producer could), with a plain synchronous client.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import redis
from bullmq import FlowProducer, Queue, Worker

PREFIX = "bull"
HOUR_MS = 3_600_000


class ContractError(Exception):
    pass


def opts(url: str) -> dict[str, Any]:
    return {"connection": url, "prefix": PREFIX}


async def wait_for(check: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(15):
        while not await check():  # noqa: ASYNC110 - polling Redis, not an event
            await asyncio.sleep(0.02)


async def process_all(url: str, queue: Queue, processor: Any, finished: int) -> None:
    """Run a Worker on ``queue`` until ``finished`` jobs are completed or failed."""

    async def done() -> bool:
        counts = await queue.getJobCounts("completed", "failed")
        return counts["completed"] + counts["failed"] >= finished

    worker = Worker(queue.name, processor, {**opts(url), "name": "py-worker", "drainDelay": 1})
    try:
        await wait_for(done)
    finally:
        await worker.close(force=True)


async def processor(job: Any, token: str) -> Any:
    """Completes with a return value, or fails when the data says so; logs and reports progress."""
    await job.log(f"started {job.id}")
    await job.updateProgress({"step": 1, "of": 2})
    await asyncio.sleep(0.003)  # distinct finishedOn stamps keep the finished order certain
    if job.data.get("fail"):
        raise ContractError(f"boom ({job.data['n']})")
    await job.log(f"finished {job.id}")
    await job.updateProgress(100)
    return {"doubled": job.data["n"] * 2}


async def seed_python_queue(url: str, name: str = "py-basic") -> dict[str, list[str]]:
    """A queue in every common state; returns ids per state in natural order."""
    queue = Queue(name, opts(url))
    try:
        done = [await queue.add("work", {"n": n, "fail": n % 2 == 0}) for n in range(1, 6)]
        await process_all(url, queue, processor, len(done))
        waiting = [await queue.add("work", {"n": n}) for n in range(3)]
        delayed = [
            await queue.add("later", {"n": n}, {"delay": delay})
            for n, delay in enumerate((2 * HOUR_MS, HOUR_MS))
        ]
        prioritized = [
            await queue.add("urgent", {"n": n}, {"priority": priority})
            for n, priority in enumerate((5, 1, 3))
        ]
        return {
            "completed": [j.id for j in reversed(done) if not j.data["fail"]],
            "failed": [j.id for j in reversed(done) if j.data["fail"]],
            "waiting": [j.id for j in reversed(waiting)],
            "delayed": [j.id for j in reversed(delayed)],
            "prioritized": [prioritized[1].id, prioritized[2].id, prioritized[0].id],
        }
    finally:
        await queue.close()


async def seed_python_flow(url: str) -> dict[str, Any]:
    """A parent in waiting-children with two children in another queue (UUID ids)."""
    producer = FlowProducer(url, {"prefix": PREFIX})
    try:
        tree = await producer.add(
            {
                "name": "parent",
                "queueName": "py-parents",
                "data": {"kind": "parent"},
                "children": [
                    {"name": "child", "queueName": "py-children", "data": {"n": 1}},
                    {"name": "child", "queueName": "py-children", "data": {"n": 2}},
                ],
            }
        )
    finally:
        await producer.close()
    assert tree is not None
    return {
        "parent": tree["job"].id,
        "children": sorted(child["job"].id for child in tree["children"]),
    }


async def seed_python_scheduler(url: str, name: str = "py-sched") -> str:
    """A job scheduler repeating every hour; returns the id of its delayed job."""
    queue = Queue(name, opts(url))
    try:
        job = await queue.upsertJobScheduler(
            "hourly-report", {"every": HOUR_MS}, job_name="report", job_data={"kind": "report"}
        )
        return str(job.id)
    finally:
        await queue.close()


async def add_jobs(url: str, name: str, count: int, **job_opts: Any) -> list[str]:
    queue = Queue(name, opts(url))
    try:
        jobs = await queue.addBulk(
            [{"name": "bulk", "data": {"n": n}, "opts": dict(job_opts)} for n in range(count)]
        )
        return [job.id for job in jobs]
    finally:
        await queue.close()


async def seed_contract(url: str, name: str = "contract") -> dict[str, list[str]]:
    """The shared contract queue: 4 waiting, 2 delayed, 3 completed, 2 failed."""
    queue = Queue(name, opts(url))
    try:
        finished = [
            await queue.add("contract", {"n": n, "fail": fail})
            for n, fail in enumerate((False, True, False, True, False))
        ]

        async def contract_processor(job: Any, token: str) -> Any:
            await asyncio.sleep(0.003)
            if job.data["fail"]:
                raise ContractError("ContractError: boom")
            return {"n": job.data["n"]}

        await process_all(url, queue, contract_processor, len(finished))
        waiting = [
            await queue.add("contract", data)
            for data in ({"n": 0}, {"html": "<script>alert(1)</script>"}, {"n": 2}, {"n": 3})
        ]
        delayed = [await queue.add("contract", {"n": n}, {"delay": n * HOUR_MS}) for n in (1, 2)]
        return {
            "waiting": [j.id for j in reversed(waiting)],
            "delayed": [j.id for j in delayed],
            "completed": [j.id for j in reversed(finished) if not j.data["fail"]],
            "failed": [j.id for j in reversed(finished) if j.data["fail"]],
        }
    finally:
        await queue.close()


# -- written by hand -----------------------------------------------------------------------------


def client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def job_hash(job_id: str, /, **fields: Any) -> dict[Any, Any]:
    now = int(time.time() * 1000)
    base: dict[str, Any] = {
        "name": f"job-{job_id}",
        "data": json.dumps({"id": job_id}),
        "opts": json.dumps({"attempts": 1}),
        "timestamp": now,
        "delay": 0,
        "priority": 0,
        "atm": 0,
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


def write_queue_keys(r: redis.Redis, name: str) -> None:
    """The keys any v6 client writes on the first add: meta, id, events."""
    base = f"{PREFIX}:{name}:"
    r.hset(base + "meta", "opts.maxLenEvents", 10000)
    r.incr(base + "id")
    r.xadd(base + "events", {"event": "added", "jobId": "0", "name": "seed"})


def write_job(r: redis.Redis, queue: str, job_id: str, state_key: str, /, **fields: Any) -> None:
    """A job hash plus its entry in ``state_key`` (LPUSH for lists, ZADD with its score)."""
    base = f"{PREFIX}:{queue}:"
    r.hset(base + job_id, mapping=job_hash(job_id, **fields))
    if state_key in ("wait", "active", "paused"):
        r.lpush(base + state_key, job_id)
    else:
        score = fields.get("finishedOn") or fields.get("timestamp") or time.time() * 1000
        r.zadd(base + state_key, {job_id: float(score)})


def write_failed_job(url: str, queue: str, job_id: str, name: str) -> None:
    """One job ``job_id`` named ``name`` of ``queue``, failed ("boom") a second ago after one
    attempt, with the queue's meta and id keys: ids and names as a producer could write them."""
    now = int(time.time() * 1000)
    r = client(url)
    try:
        base = f"{PREFIX}:{queue}:"
        r.hset(base + "meta", "opts.maxLenEvents", 10000)
        r.set(base + "id", 1)
        r.hset(
            base + job_id,
            mapping={
                "name": name, "data": "{}", "opts": "{}", "timestamp": now - 2000,
                "processedOn": now - 1500, "finishedOn": now - 1000, "atm": 1,
                "failedReason": "boom",
            },
        )  # fmt: skip
        r.zadd(base + "failed", {job_id: now - 1000})
    finally:
        r.close()


def write_legacy_paused(url: str, name: str = "legacy") -> list[str]:
    """A v5-paused queue: jobs in ``paused`` (pushed like v5's ``wait``), meta.paused=1."""
    r = client(url)
    try:
        write_queue_keys(r, name)
        r.hset(f"{PREFIX}:{name}:meta", "paused", 1)
        ids = ["1", "2", "3"]
        for job_id in ids:
            write_job(r, name, job_id, "paused")
        return list(reversed(ids))
    finally:
        r.close()


def write_quoted_failure(url: str, name: str = "old-failures") -> str:
    """A failed job whose failedReason was stored JSON-quoted (bullmq#4596)."""
    r = client(url)
    try:
        write_queue_keys(r, name)
        now = int(time.time() * 1000)
        write_job(
            r, name, "7", "failed",
            failedReason=json.dumps("boom"), finishedOn=now, processedOn=now - 5,
            attemptsMade=1, atm=None, stacktrace="not json at all",
        )  # fmt: skip
        return "7"
    finally:
        r.close()
