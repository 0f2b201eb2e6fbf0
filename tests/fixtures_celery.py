"""Celery fixtures: tasks sent by real Celery producers and run by a real ``celery worker``
subprocess (``tests/celery_app.py``) against the private Redis, broker and results alike.

Seeding with a real worker takes seconds, so the contract queue is seeded once per session and
kept as a snapshot (``fixtures_rq.snapshot``); each test gets a fresh copy in its flushed Redis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from queues.states import JobState
from tests.contract import ContractEnv
from tests.fixtures_rq import HOSTILE, Snapshot, restore, seeded
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
#: How long a test waits for the real worker to store a task's result.
RESULT_TIMEOUT = 60


def start_worker(url: str, *queues: str, name: str = "contract", **env: str) -> Any:
    """A ``celery worker`` (solo pool) for ``queues``; stop it with ``stop_worker``."""
    command = [
        sys.executable, "-m", "celery", "-A", "tests.celery_app", "worker",
        "--pool=solo", "--concurrency=1", "-Q", ",".join(queues), "-n", f"{name}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING",
    ]  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT), "QB_CELERY_URL": url, **env},
        start_new_session=True,
    )


def stop_worker(process: Any) -> None:
    """Warm shutdown (SIGTERM: the running task finishes), SIGKILL if it lingers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def producer(url: str, **options: Any) -> Any:
    from tests.celery_app import make_app

    return make_app(url, **options)


def seed_contract(url: str, queue: str = "contract") -> dict[str, Any]:
    """3 succeeded and 2 failed tasks run by a real worker (results extended, JSON), then 4
    tasks waiting in the broker with no worker, one carrying hostile text."""
    app = producer(url)
    done = [
        app.send_task("tests.add", (1, 2), queue=queue, task_id=f"{queue}-done-1"),
        app.send_task("tests.echo", (HOSTILE,), queue=queue, task_id=f"{queue}-done-2"),
        app.send_task("tests.add", (40, 2), queue=queue, task_id=f"{queue}-done-3"),
    ]
    failed = [
        app.send_task("tests.fail", ("boom",), queue=queue, task_id=f"{queue}-fail-1"),
        app.send_task("tests.fail", ("boom",), queue=queue, task_id=f"{queue}-fail-2"),
    ]
    worker = start_worker(url, queue)
    try:
        for result in [*done, *failed]:
            result.get(timeout=RESULT_TIMEOUT, propagate=False)
    finally:
        stop_worker(worker)
    waiting = [f"{queue}-wait-{n}" for n in (1, 2, 3, 4)]
    app.send_task("tests.add", (1, 1), queue=queue, task_id=waiting[0])
    app.send_task("tests.echo", (), {"note": HOSTILE}, queue=queue, task_id=waiting[1])
    app.send_task("tests.add", (2, 2), queue=queue, task_id=waiting[2])
    app.send_task("tests.echo", ("last",), queue=queue, task_id=waiting[3])
    app.close()
    return {
        "ids": {JobState.WAITING: waiting},
        "by_id": {
            JobState.COMPLETED: [r.id for r in done],
            JobState.FAILED: [r.id for r in failed],
        },
    }


@pytest.fixture(scope="session")
def celery_contract_snapshot(redis_server: RedisServer) -> tuple[Snapshot, Any]:
    return seeded(redis_server, seed_contract)


@pytest.fixture
def celery_settings(redis_url: str, settings: Any) -> dict[str, Any]:
    """A ``celery`` backend (broker and results on the private Redis) next to the others."""
    entry = {
        "BACKEND": "queues.backends.celery.CeleryBackend",
        "LABEL": "Celery",
        "OPTIONS": {"url": redis_url, "result_url": redis_url},
    }
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "celery": entry}
    return entry


@pytest.fixture
def celery_backend(celery_settings: dict[str, Any]) -> Any:
    from queues.backends import backends

    return backends["celery"]


@pytest.fixture
def celery_redis(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def celery_contract_env(
    celery_backend: Any, celery_redis: redis.Redis, celery_contract_snapshot: tuple[Snapshot, Any]
) -> ContractEnv:
    """Queue "contract" seeded by real Celery (``seed_contract``)."""
    kept, seeded_ids = celery_contract_snapshot
    restore(celery_redis, kept)
    return ContractEnv(
        backend=celery_backend,
        queue="contract",
        ids=seeded_ids["ids"],
        by_id=seeded_ids["by_id"],
        without=frozenset({"created_at"}),
    )
