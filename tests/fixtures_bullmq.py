"""BullMQ fixtures: Node producers, a runner for the async backend, the contract queue."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis

from queues.states import JobState
from tests import bullmq_producers
from tests.contract import ContractEnv

NODE_DIR = Path(__file__).parent / "node"
T = TypeVar("T")


def run(backend: Any, coroutine: Coroutine[Any, Any, T]) -> T:
    """Run one backend call in a fresh event loop (as Django's test client does), then close."""

    async def call() -> T:
        try:
            return await coroutine
        finally:
            await backend.close()

    return asyncio.run(call())


def ensure_node_modules() -> None:
    """Install the pinned Node packages (``npm ci``) unless they are already there."""
    if (NODE_DIR / "node_modules" / "bullmq" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed; the Node producer tests need Node 20 and npm.")
    subprocess.run(
        [npm, "ci", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"],
        check=True,
        capture_output=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def node_modules() -> Path:
    ensure_node_modules()
    return NODE_DIR / "node_modules"


def run_node(script: str, redis_url: str, *args: str, timeout: float = 120) -> str:
    """What ``tests/node/<script> <redis_url> <args>`` prints; RuntimeError with the end of
    its stderr if it fails."""
    result = subprocess.run(
        ["node", str(NODE_DIR / script), redis_url, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=NODE_DIR,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{script} {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


@pytest.fixture
def node_produce(node_modules: Path, redis_url: str) -> Callable[[str], dict[str, Any]]:
    """``node_produce(scenario)`` writes queues with Node bullmq 6.7.0 and returns their ids."""

    def produce(scenario: str) -> dict[str, Any]:
        return dict(json.loads(run_node("produce.mjs", redis_url, scenario)))

    return produce


@pytest.fixture
def bullmq_contract_env(bullmq_backend: Any, redis_url: str) -> ContractEnv:
    """Queue "contract" seeded by Python bullmq: 4 waiting, 2 delayed, 3 completed, 2 failed."""
    ids = asyncio.run(bullmq_producers.seed_contract(redis_url, "contract"))
    return ContractEnv(
        backend=bullmq_backend,
        queue="contract",
        ids={JobState(state): job_ids for state, job_ids in ids.items()},
    )


# -- actions: Node workers, many jobs written fast, where every job is -------------------------


@pytest.fixture
def node_worker(node_modules: Path, redis_url: str) -> Iterator[Callable[..., Any]]:
    """``node_worker(queue, concurrency=50, fail_percent=0)`` starts ``worker.mjs``; all stop
    at the end (SIGINT: close at once, then SIGKILL). Each processing is recorded in
    ``race:processed``."""
    started: list[subprocess.Popen[str]] = []

    def start(queue: str, concurrency: int = 50, fail_percent: int = 0) -> Any:
        process = start_node_worker(redis_url, queue, concurrency, fail_percent)
        started.append(process)
        return process

    yield start
    for process in started:
        stop_worker(process)


def start_node_worker(
    redis_url: str, queue: str, concurrency: int, fail_percent: int
) -> subprocess.Popen[str]:
    """A real Node bullmq worker (``worker.mjs``) on ``queue``, once it says it is ready,
    failing ``fail_percent`` % of its jobs; stop it with ``stop_worker``."""
    arguments = [redis_url, queue, str(concurrency), str(fail_percent)]
    process = subprocess.Popen(
        ["node", str(NODE_DIR / "worker.mjs"), *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=NODE_DIR,
    )
    assert process.stdout is not None and process.stderr is not None
    line = process.stdout.readline()
    if line.strip() != "ready":
        process.kill()
        raise RuntimeError(f"worker.mjs did not start: {line}{process.stderr.read()[-2000:]}")
    return process


def stop_worker(process: subprocess.Popen[str], timeout: float = 10, force: bool = True) -> None:
    """Close a ``worker.mjs``: at once (``force``), or once its active jobs finish."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT if force else signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def write_finished_jobs(url: str, queue: str, count: int, state: str = "failed") -> list[str]:
    """``count`` jobs finished long ago (as a worker leaves them), or waiting (``"wait"``),
    written in one pipeline."""
    r = redis.Redis.from_url(url)
    base = f"{bullmq_producers.PREFIX}:{queue}:"
    finished = int(time.time() * 1000) - 3_600_000
    ids = [str(n) for n in range(1, count + 1)]
    try:
        pipe = r.pipeline(transaction=False)
        pipe.hset(base + "meta", "opts.maxLenEvents", 10000)
        pipe.set(base + "id", count)
        for n, job_id in enumerate(ids):
            reason = {"failedReason": "boom"} if state == "failed" else {"returnvalue": "1"}
            fields = bullmq_producers.job_hash(
                job_id,
                timestamp=finished - 1000,
                processedOn=finished - 10,
                finishedOn=finished + n,
                atm=1,
                ats=1,
                **reason,
            )
            if state == "wait":  # waiting: never processed
                fields = bullmq_producers.job_hash(job_id, timestamp=finished + n)
                pipe.lpush(base + state, job_id)
            else:
                pipe.zadd(base + state, {job_id: finished + n})
            pipe.hset(base + job_id, mapping=fields)
        pipe.execute()
    finally:
        r.close()
    return ids


#: Where a job id may be, per BullMQ key (lists and sorted sets).
STATE_KEY_TYPES = {
    "active": "list", "wait": "list", "paused": "list", "prioritized": "zset",
    "waiting-children": "zset", "delayed": "zset", "completed": "zset", "failed": "zset",
}  # fmt: skip


def jobs_by_state(client: Any, prefix: str, queue: str) -> dict[str, list[str]]:
    """Job id -> every state key holding it (a healthy queue has exactly one per job), read
    through ``client`` (a Redis or a RedisCluster client that decodes replies)."""
    base = f"{prefix}:{queue}:"
    found: dict[str, list[str]] = {}
    for name, key_type in STATE_KEY_TYPES.items():
        key = base + name
        members = client.lrange(key, 0, -1) if key_type == "list" else client.zrange(key, 0, -1)
        for job_id in members:
            found.setdefault(str(job_id), []).append(name)
    return found


def where_jobs_are(url: str, queue: str) -> dict[str, list[str]]:
    """``jobs_by_state`` of ``queue`` on the Redis at ``url`` under the usual prefix."""
    r = redis.Redis.from_url(url, decode_responses=True)
    try:
        return jobs_by_state(r, bullmq_producers.PREFIX, queue)
    finally:
        r.close()


def configure_bullmq(settings: Any, options: dict[str, Any]) -> Any:
    """The ``bullmq`` backend with these OPTIONS beside the test settings' others."""
    entry = {
        "BACKEND": "queues.backends.bullmq.BullMQBackend",
        "LABEL": "BullMQ",
        "OPTIONS": options,
    }
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    from queues.backends import backends

    return backends["bullmq"]
