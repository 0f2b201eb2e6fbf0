"""RQ cron in the schedules capability, read-only: what a real ``rq cron`` scheduler reports
(its cron jobs, next and last runs) is listed per queue, and a run made by it and finished by a
real worker shows on the schedule's page."""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest
import redis
from django.urls import reverse

from queues.backends.schedule_types import ScheduleNotFound
from queues.states import JobState
from tests.fixtures_bullmq import run
from tests.fixtures_rq import (
    ROOT,
    RQ_BIN,
    Snapshot,
    restore,
    run_burst_worker,
    seeded,
    wait_for,
)
from tests.redis_server import RedisServer


def seed_cron(url: str) -> str:
    """A real ``rq cron`` on ``tests/rq_cron_config.py`` until its jobs are reported and the
    interval one has run once (a real worker); the name of the scheduler."""
    process = subprocess.Popen(
        [str(RQ_BIN), "cron", "tests.rq_cron_config", "--url", url, "-l", "WARNING"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis.from_url(url)
    try:
        wait_for(lambda: client.llen("rq:queue:cron-q") >= 1, what="the cron job's first run")
        wait_for(lambda: bool(client.zcard("rq:cron_schedulers")), what="the scheduler record")
        name = client.zrange("rq:cron_schedulers", 0, 0)[0].decode()
        run_burst_worker(url, "cron-q", name="cron-worker")
        return name
    finally:
        process.kill()
        process.wait(10)
        client.close()


@pytest.fixture(scope="module")
def cron_snapshot(redis_server: RedisServer) -> tuple[Snapshot, Any]:
    return seeded(redis_server, seed_cron)


@pytest.fixture
def cron_scheduler(rq_backend: Any, rq_redis: Any, cron_snapshot: tuple[Snapshot, Any]) -> str:
    kept, name = cron_snapshot
    restore(rq_redis, kept)
    return str(name)


def test_cron_jobs_of_a_queue_soonest_first(rq_backend: Any, cron_scheduler: str) -> None:
    page = run(rq_backend, rq_backend.list_schedules("cron-q", 0, 19))
    assert page.total == 2
    hourly, daily = page.schedules
    assert hourly.id == f"{cron_scheduler}:hourly-add"
    assert hourly.job_name == "tests.rq_jobs.add"
    assert hourly.every == 3_600_000 and hourly.pattern is None
    assert daily.pattern == "0 9 * * *"
    assert hourly.next_run_at and daily.next_run_at
    assert "<b>x</b>" in (daily.template_data or "")
    assert "cannot change it" in hourly.read_only and not hourly.problems
    assert hourly.description == "Every 1 hour" and "09:00" in daily.description


def test_a_schedule_shows_its_runs(rq_backend: Any, cron_scheduler: str) -> None:
    detail = run(rq_backend, rq_backend.get_schedule("cron-q", f"{cron_scheduler}:hourly-add"))
    assert [run.state for run in detail.runs] == [JobState.COMPLETED]
    with pytest.raises(ScheduleNotFound):
        run(rq_backend, rq_backend.get_schedule("cron-q", f"{cron_scheduler}:elsewhere"))


@pytest.mark.django_db(transaction=True)
def test_schedule_pages(staff_client: Any, cron_scheduler: str) -> None:
    listed = staff_client.get(reverse("queues:queue-schedules", args=["rq", "cron-q"]))
    assert listed.status_code == 200
    assert b"hourly-add" in listed.content and b"&lt;b&gt;" not in listed.content[:0]
    one = staff_client.get(
        reverse("queues:schedule", args=["rq", "cron-q", f"{cron_scheduler}:daily-echo"])
    )
    assert one.status_code == 200
    assert b"<b>x</b>" not in one.content
    assert staff_client.get(reverse("queues:schedules")).status_code == 200
