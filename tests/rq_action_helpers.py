"""Helpers of the RQ action tests: real ``rq`` producers, real ``rq worker`` subprocesses
(running ``tests/rq_action_tasks.py``), and one-call wrappers of the backend's actions."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import redis
import redis.asyncio
from rq import Queue

from queues.backends.actions import ActionOutcome, JobAction, QueueAction, QueueActionParams

ROOT = Path(__file__).resolve().parent.parent
RQ_BIN = Path(sys.executable).with_name("rq")
T = TypeVar("T")


def run(backend: Any, coroutine: Coroutine[Any, Any, T]) -> T:
    async def call() -> T:
        try:
            return await coroutine
        finally:
            await backend.close()

    return asyncio.run(call())


def act(backend: Any, queue: str, action: JobAction | str, ids: list[str]) -> ActionOutcome:
    return run(backend, backend.act_on_jobs(queue, JobAction(action), ids))


def step(
    backend: Any, queue: str, action: QueueAction | str, batch: int = 1000, **params: Any
) -> ActionOutcome:
    params.setdefault("report_ids", True)
    call = backend.queue_step(queue, QueueAction(action), QueueActionParams(**params), batch)
    return run(backend, call)


def steps(backend: Any, queue: str, action: QueueAction | str, batch: int, **params: Any) -> list:
    """Every step of a bulk action until it finishes (at most 1,000)."""
    done = []
    for _ in range(1000):
        outcome = step(backend, queue, action, batch, **params)
        done.append(outcome)
        if outcome.finished:
            return done
    raise AssertionError("the bulk action never finished")


def count(backend: Any, queue: str, action: QueueAction | str, **params: Any) -> int:
    call = backend.count_for(queue, QueueAction(action), QueueActionParams(**params))
    return run(backend, call)


def worker_env(url: str) -> dict[str, str]:
    return {**os.environ, "RQ_TEST_REDIS_URL": url, "PYTHONPATH": str(ROOT)}


def burst(url: str, *queues: str, timeout: float = 120) -> None:
    """One real ``rq worker --burst``: runs every job there is, then exits."""
    subprocess.run(
        [str(RQ_BIN), "worker", "--burst", "-q", "-u", url, *queues],
        env=worker_env(url),
        cwd=ROOT,
        check=True,
        timeout=timeout,
        capture_output=True,
    )


def start_worker(
    url: str, *queues: str, name: str | None = None, simple: bool = False
) -> subprocess.Popen[bytes]:
    """A real ``rq worker`` that keeps running (stop it with ``stop_worker``); ``simple``: RQ's
    SimpleWorker, which runs jobs in its own process (fast; no work horse to kill)."""
    command = [str(RQ_BIN), "worker", "-q", "-u", url, "--with-scheduler", *queues]
    if name:
        command[2:2] = ["-n", name]
    if simple:
        command[2:2] = ["-w", "rq.worker.SimpleWorker"]
    return subprocess.Popen(
        command,
        env=worker_env(url),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_worker(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """A warm shutdown (SIGTERM once: the current job finishes), forced after ``timeout``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def wait_for(check: Callable[[], Any], timeout: float = 60, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def producer(url: str, name: str, **options: Any) -> Queue:
    return Queue(name, connection=redis.Redis.from_url(url), **options)


def status(url: str, job_id: str) -> str | None:
    value = redis.Redis.from_url(url).hget(f"rq:job:{job_id}", "status")
    return value.decode() if value is not None else None


def runs(url: str, tag: str) -> int:
    return int(redis.Redis.from_url(url).llen(f"test:runs:{tag}"))


def where(url: str, queue: str, job_id: str) -> list[str]:
    """Every list or registry of ``queue`` holding ``job_id`` (exactly one when all is well)."""
    client = redis.Redis.from_url(url)
    found = []
    if job_id.encode() in client.lrange(f"rq:queue:{queue}", 0, -1):
        found.append("queue")
    for name in ("deferred", "scheduled", "finished", "failed", "canceled"):
        if client.zscore(f"rq:{name}:{queue}", job_id) is not None:
            found.append(name)
    if any(m.startswith(f"{job_id}:".encode()) for m in client.zrange(f"rq:wip:{queue}", 0, -1)):
        found.append("wip")
    return found
