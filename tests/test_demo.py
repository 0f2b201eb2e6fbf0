"""The demo: ``manage.py demo_seed`` fills every state; the demo workers make jobs active.

States are read straight from the database and from Redis, not through the board's backends.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
from typing import Any

import pytest
import redis
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from board.demo import BULLMQ_QUEUES, TASK_QUEUES


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_seed", *args, stdout=out)
    return out.getvalue()


def demo_rows() -> Any:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path__startswith="board.demo.tasks.")


@pytest.mark.django_db(transaction=True)
def test_seed_fills_every_task_state() -> None:
    from django_tasks_db.models import get_date_max

    output = seed("--no-bullmq")

    rows = demo_rows()
    now, never = timezone.now(), get_date_max()
    assert set(rows.values_list("queue_name", flat=True)) == set(TASK_QUEUES)
    assert rows.filter(status="READY", run_after=never).count() >= 5  # waiting
    assert rows.filter(status="READY", run_after__gt=now, run_after__lt=never).count() >= 3
    completed = rows.filter(status="SUCCESSFUL")
    assert completed.count() >= 5
    assert all(row.return_value is not None for row in completed)
    failed = rows.filter(status="FAILED")
    assert {row.exception_class_path for row in failed} >= {
        "smtplib.SMTPRecipientsRefused",
        "builtins.ZeroDivisionError",
        "builtins.ValueError",
        "builtins.KeyError",
    }
    assert all(row.traceback.startswith("Traceback") for row in failed)
    assert "emails:" in output and "BullMQ" not in output


@pytest.mark.django_db(transaction=True)
def test_seeding_again_replaces_demo_rows_only() -> None:
    from tests import sample_tasks

    other = sample_tasks.add.enqueue(1, 2)
    seed("--no-bullmq")
    first = demo_rows().count()
    seed("--no-bullmq")

    assert demo_rows().count() == first
    assert demo_rows().filter(status="RUNNING").count() == 0
    assert demo_rows().model.objects.filter(pk=other.id).exists()


@pytest.mark.django_db(transaction=True)
def test_live_worker_runs_waiting_tasks() -> None:
    from board.demo import seed_tasks, tasks

    seed("--no-bullmq")
    slow = tasks.clear_expired_sessions.using(priority=100).enqueue(seconds=1.5)

    def work() -> None:
        try:
            seed_tasks.run_worker(max_tasks=1, worker_id="test-live")
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    seen_running = False
    deadline = time.monotonic() + 10
    while thread.is_alive() and time.monotonic() < deadline:
        seen_running |= demo_rows().filter(pk=slow.id, status="RUNNING").exists()
        time.sleep(0.05)
    thread.join(10)

    assert seen_running
    assert demo_rows().get(pk=slow.id).status == "SUCCESSFUL"


def test_seed_without_redis_skips_bullmq() -> None:
    assert "BullMQ demo queues not seeded" in seed("--no-tasks", "--redis-url", "")


def test_seed_fills_every_bullmq_state(redis_url: str) -> None:
    output = seed("--no-tasks", "--redis-url", redis_url)

    r = redis.Redis.from_url(redis_url, decode_responses=True)
    for queue in BULLMQ_QUEUES:
        base = f"bull:{queue}:"
        assert r.llen(base + "wait") > 0, queue
        assert r.zcard(base + "delayed") > 0, queue
        assert r.zcard(base + "prioritized") > 0, queue
        assert r.zcard(base + "completed") > 0, queue
        assert r.zcard(base + "failed") > 0, queue
        assert r.llen(base + "active") == 0, queue
        for job_id in r.zrange(base + "failed", 0, -1):
            job = r.hgetall(base + job_id)
            assert job["failedReason"]
            assert json.loads(job["stacktrace"])[-1].startswith("Traceback")
        for job_id in r.zrange(base + "completed", 0, -1):
            job = r.hgetall(base + job_id)
            assert json.loads(job["returnvalue"])
            assert json.loads(job["progress"]) in (100, {"stage": "done", "percent": 100})
            assert r.llen(base + job_id + ":logs") >= 3
    parents = r.zrange("bull:reports:waiting-children", 0, -1)
    assert len(parents) == 2
    assert all(r.scard(f"bull:reports:{parent}:dependencies") == 4 for parent in parents)
    retried = [r.hgetall(f"bull:emails:{i}") for i in r.zrange("bull:emails:failed", 0, -1)]
    assert any(job["atm"] == "2" for job in retried)
    assert "waiting-children" in output


def test_seeding_bullmq_again_starts_afresh(redis_url: str) -> None:
    seed("--no-tasks", "--redis-url", redis_url)
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    keys = r.dbsize()
    seed("--no-tasks", "--redis-url", redis_url)

    assert r.dbsize() == keys
    assert r.zcard("bull:reports:waiting-children") == 2


def test_demo_worker_makes_jobs_active(redis_url: str) -> None:
    from board.demo import bullmq_worker

    seed("--no-tasks", "--redis-url", redis_url)
    r = redis.Redis.from_url(redis_url, decode_responses=True)

    async def watch() -> set[str]:
        stop = asyncio.Event()
        runner = asyncio.create_task(bullmq_worker.run(redis_url, "bull", stop, produce=False))
        active: set[str] = set()
        deadline = time.monotonic() + 10
        while len(active) < len(BULLMQ_QUEUES) and time.monotonic() < deadline:
            active |= {q for q in BULLMQ_QUEUES if r.llen(f"bull:{q}:active")}
            await asyncio.sleep(0.05)
        stop.set()
        await runner
        return active

    assert asyncio.run(watch()) == set(BULLMQ_QUEUES)


def test_trickle_adds_jobs(redis_url: str) -> None:
    from board.demo import bullmq_worker

    async def trickle_briefly() -> None:
        stop = asyncio.Event()
        producer = asyncio.create_task(bullmq_worker.trickle(redis_url, "bull", stop, (0, 0.01)))
        await asyncio.sleep(0.5)
        stop.set()
        await producer

    asyncio.run(trickle_briefly())

    r = redis.Redis.from_url(redis_url, decode_responses=True)
    added = sum(int(r.get(f"bull:{q}:id") or 0) for q in BULLMQ_QUEUES)
    assert added >= 8
    assert r.zcard("bull:reports:waiting-children") >= 1  # every eighth addition is a flow
