"""RQ fixtures: queues written by real ``rq`` producers and run by real ``rq worker``
subprocesses against the private Redis.

Seeding with real workers takes seconds, so each scenario is seeded once per session and kept
as a snapshot (``DUMP`` of every key, with its time to live); each test gets a fresh copy
(``RESTORE``) in its flushed Redis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis

from queues.states import JobState
from tests.contract import ContractEnv
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
RQ_BIN = Path(sys.executable).with_name("rq")
JSON = "rq.serializers.JSONSerializer"
HOSTILE = "<script>alert(1)</script>"

Snapshot = dict[bytes, tuple[bytes, int]]


# -- real workers ----------------------------------------------------------------------------


def worker_command(url: str, queues: list[str], *, burst: bool, json: bool, name: str) -> list[str]:
    command = [str(RQ_BIN), "worker", "--url", url, "--name", name, "--logging_level", "WARNING"]
    if burst:
        command.append("--burst")
    if json:
        command += ["--serializer", JSON]
    return [*command, *queues]


def run_burst_worker(url: str, *queues: str, json: bool = False, name: str = "burst") -> None:
    """Run ``rq worker --burst`` until the queues are empty (the job code is tests/rq_jobs.py)."""
    result = subprocess.run(
        worker_command(url, list(queues), burst=True, json=json, name=name),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if result.returncode != 0:
        raise RuntimeError(f"rq worker failed:\n{result.stderr[-3000:]}")


def start_worker(url: str, *queues: str, json: bool = False, name: str = "steady") -> Any:
    """A long-running ``rq worker``; stop it with ``kill_worker``."""
    return subprocess.Popen(
        worker_command(url, list(queues), burst=False, json=json, name=name),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )


def kill_worker(process: Any) -> None:
    """SIGKILL the worker and its work horse: what it left in Redis stays as it was."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def wait_for(predicate: Callable[[], bool], timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or predicate}")


def status(client: redis.Redis, job_id: str) -> str:
    value = client.hget(f"rq:job:{job_id}", "status")
    return value.decode() if value else ""


# -- snapshots --------------------------------------------------------------------------------


def snapshot(client: redis.Redis) -> Snapshot:
    """Every key's ``DUMP`` and remaining time to live (ms, 0 for none)."""
    kept: Snapshot = {}
    for key in client.scan_iter(count=1000):
        dumped = client.dump(key)
        if dumped is not None:
            kept[key] = (dumped, max(int(client.pttl(key)), 0))
    return kept


def restore(client: redis.Redis, kept: Snapshot) -> None:
    pipe = client.pipeline(transaction=False)
    for key, (dumped, ttl) in kept.items():
        pipe.restore(key, ttl, dumped, replace=True)
    pipe.execute()


def seeded(server: RedisServer, seed: Callable[[str], dict[str, Any]]) -> tuple[Snapshot, Any]:
    """Seed a scenario on the (flushed) session Redis, keep it, flush again."""
    if server.process is None or server.process.poll() is not None:
        server.start()
    client = redis.Redis.from_url(server.url)
    try:
        client.flushall()
        ids = seed(server.url)
        kept = snapshot(client)
        client.flushall()
    finally:
        client.close()
    return kept, ids


# -- scenarios ----------------------------------------------------------------------------------


def seed_contract(url: str, queue: str = "contract") -> dict[JobState, list[str]]:
    """4 queued, 2 scheduled (in 1 h and 2 h), 3 finished, 2 failed, JSON serializer."""
    from rq import Queue
    from rq.serializers import JSONSerializer

    client = redis.Redis.from_url(url)
    q = Queue(queue, connection=client, serializer=JSONSerializer)
    q.enqueue("tests.rq_jobs.add", 1, 2, job_id=f"{queue}-done-1")
    q.enqueue("tests.rq_jobs.fail", job_id=f"{queue}-fail-1")
    q.enqueue("tests.rq_jobs.echo", "x", n=1, job_id=f"{queue}-done-2")
    q.enqueue("tests.rq_jobs.fail", "boom", job_id=f"{queue}-fail-2")
    q.enqueue("tests.rq_jobs.add", 40, 2, job_id=f"{queue}-done-3")
    run_burst_worker(url, queue, json=True, name=f"{queue}-worker")
    for hours in (1, 2):
        q.enqueue_in(
            timedelta(hours=hours), "tests.rq_jobs.add", hours, 0, job_id=f"{queue}-later-{hours}"
        )
    q.enqueue("tests.rq_jobs.add", 1, 1, job_id=f"{queue}-wait-1")
    q.enqueue("tests.rq_jobs.echo", note=HOSTILE, job_id=f"{queue}-wait-2")
    q.enqueue("tests.rq_jobs.add", 2, 2, job_id=f"{queue}-wait-3")
    q.enqueue("tests.rq_jobs.echo", "last", job_id=f"{queue}-wait-4")
    client.close()
    return {
        JobState.ACTIVE: [],
        JobState.WAITING: [f"{queue}-wait-{n}" for n in (1, 2, 3, 4)],
        JobState.DELAYED: [f"{queue}-later-{n}" for n in (1, 2)],
        JobState.COMPLETED: [f"{queue}-done-{n}" for n in (3, 2, 1)],
        JobState.FAILED: [f"{queue}-fail-{n}" for n in (2, 1)],
        JobState.DEFERRED: [],
        JobState.CANCELED: [],
    }


def seed_rich(url: str) -> dict[str, str]:
    """Every state RQ has, written and run by real RQ: queue "json" (JSON serializer) with a
    dependency chain, retries, a timeout, a stopped, a canceled and a running job; queue
    "pickle" (RQ's default serializer) with finished and failed jobs and meta."""
    from rq import Queue, Retry
    from rq.command import send_stop_job_command
    from rq.serializers import JSONSerializer

    client = redis.Redis.from_url(url)
    q = Queue("json", connection=client, serializer=JSONSerializer)
    p = Queue("pickle", connection=client)
    parent = q.enqueue("tests.rq_jobs.add", 1, 2, job_id="parent")
    q.enqueue("tests.rq_jobs.add", 3, 4, job_id="child", depends_on=parent)
    q.enqueue("tests.rq_jobs.fail", "flaky", job_id="retried", retry=Retry(max=1))
    q.enqueue("tests.rq_jobs.sleep", 10, job_id="timeout", job_timeout=1)
    p.enqueue("tests.rq_jobs.add", 5, 6, job_id="pickled-done", meta={"who": "tests"})
    p.enqueue("tests.rq_jobs.fail", "pickled boom", job_id="pickled-fail")
    run_burst_worker(url, "json", json=True, name="json-burst")
    run_burst_worker(url, "pickle", name="pickle-burst")

    # A stopped job: stopped by RQ's stop command while a real worker runs it.
    worker = start_worker(url, "json", json=True, name="json-steady")
    try:
        q.enqueue("tests.rq_jobs.sleep", 60, job_id="stopped")
        wait_for(lambda: status(client, "stopped") == "started", what="stopped job to start")
        send_stop_job_command(client, "stopped", serializer=JSONSerializer)
        wait_for(lambda: status(client, "stopped") == "stopped", what="job to be stopped")
        # A running job, left running when the worker is killed (started registry, worker).
        q.enqueue("tests.rq_jobs.sleep", 60, job_id="running")
        wait_for(lambda: status(client, "running") == "started", what="running job")
        # Deferred: waits on the running job.  Canceled: withdrawn before it ran.
        running = q.fetch_job("running")
        q.enqueue("tests.rq_jobs.add", 7, 8, job_id="waits", depends_on=running)
        canceled = q.enqueue_in(timedelta(hours=3), "tests.rq_jobs.add", 0, 0, job_id="canceled")
        canceled.cancel()
        q.enqueue_in(timedelta(hours=1), "tests.rq_jobs.add", 9, 9, job_id="later")
        q.enqueue("tests.rq_jobs.echo", "queued", job_id="queued", at_front=False)
        wait_for(
            lambda: bool(client.hget("rq:worker:json-steady", "current_job")), what="worker record"
        )
    finally:
        kill_worker(worker)  # killed mid-job: what it left in Redis stays as it was
    client.close()
    return {"worker": "json-steady"}


@pytest.fixture(scope="session")
def rq_contract_snapshot(redis_server: RedisServer) -> tuple[Snapshot, Any]:
    return seeded(redis_server, seed_contract)


@pytest.fixture(scope="session")
def rq_rich_snapshot(redis_server: RedisServer) -> tuple[Snapshot, Any]:
    return seeded(redis_server, seed_rich)


@pytest.fixture
def rq_settings(redis_url: str, settings: Any) -> dict[str, Any]:
    """An ``rq`` backend on the private Redis next to the others."""
    entry = {
        "BACKEND": "queues.backends.rq.RQBackend",
        "LABEL": "RQ",
        "OPTIONS": {"url": redis_url},
    }
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "rq": entry}
    return entry


@pytest.fixture
def rq_backend(rq_settings: dict[str, Any]) -> Any:
    from queues.backends import backends

    return backends["rq"]


@pytest.fixture
def rq_redis(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def rq_contract_env(
    rq_backend: Any, rq_redis: redis.Redis, rq_contract_snapshot: tuple[Snapshot, Any]
) -> ContractEnv:
    """Queue "contract" seeded by real RQ: 4 queued, 2 scheduled, 3 finished, 2 failed."""
    kept, ids = rq_contract_snapshot
    restore(rq_redis, kept)
    return ContractEnv(backend=rq_backend, queue="contract", ids=ids)


@pytest.fixture
def rq_rich(rq_backend: Any, rq_redis: redis.Redis, rq_rich_snapshot: tuple[Snapshot, Any]) -> Any:
    """Queues "json" and "pickle" with a job in every RQ state (``seed_rich``)."""
    kept, _ids = rq_rich_snapshot
    restore(rq_redis, kept)
    return rq_backend
