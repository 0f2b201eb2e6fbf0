"""rq-scheduler's recurring entries in the schedules capability, read-only: written by the real
``rq-scheduler`` package (pickled ``meta``, read from its opcodes and never unpickled), one of
them run by the real ``rqscheduler`` and a real worker, listed with RQ cron's per queue."""

from __future__ import annotations

import os
import pickle
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from django.urls import reverse
from rq_scheduler import Scheduler

from queues.backends.rq.decode import plain_pickle
from queues.backends.schedule_types import ScheduleNotFound, ScheduleState
from queues.states import JobState
from tests.fixtures_bullmq import run
from tests.fixtures_rq import (
    HOSTILE,
    ROOT,
    RQ_BIN,
    Snapshot,
    restore,
    run_burst_worker,
    seeded,
    wait_for,
)
from tests.redis_server import RedisServer

QUEUE = "sched-q"


def seed_scheduler(url: str) -> dict[str, str]:
    """A cron entry (3 runs left), an interval entry due now that ``rqscheduler --burst`` runs
    once and a worker finishes, a one-off entry, an entry of another queue, and one whose
    ``meta`` holds an object (unreadable without unpickling)."""
    client = redis.Redis.from_url(url)
    scheduler = Scheduler(connection=client)
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)
    cron = scheduler.cron(
        "*/5 * * * *", "tests.rq_jobs.echo", args=[HOSTILE], queue_name=QUEUE, repeat=3
    )
    due = scheduler.schedule(
        datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1),
        "tests.rq_jobs.add",
        args=[1, 2],
        interval=600,
        queue_name=QUEUE,
    )
    once = scheduler.enqueue_at(later, "tests.rq_jobs.add", 3, 4, queue_name=QUEUE)
    other = scheduler.schedule(later, "tests.rq_jobs.add", args=[5, 6], interval=60)
    odd = scheduler.schedule(
        later,
        "tests.rq_jobs.add",
        args=[7, 8],
        interval=60,
        queue_name=QUEUE,
        meta={"when": datetime.now(UTC)},
    )
    result = subprocess.run(
        [str(RQ_BIN.with_name("rqscheduler")), "--url", url, "--burst"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    wait_for(lambda: client.llen(f"rq:queue:{QUEUE}") >= 1, what="the due entry enqueued")
    run_burst_worker(url, QUEUE, name="sched-worker")
    client.close()
    return {"cron": cron.id, "due": due.id, "once": once.id, "other": other.id, "odd": odd.id}


@pytest.fixture(scope="module")
def scheduler_snapshot(redis_server: RedisServer) -> tuple[Snapshot, Any]:
    return seeded(redis_server, seed_scheduler)


@pytest.fixture
def entries(rq_backend: Any, rq_redis: Any, scheduler_snapshot: tuple[Snapshot, Any]) -> Any:
    kept, ids = scheduler_snapshot
    restore(rq_redis, kept)
    return ids


def test_recurring_entries_of_a_queue_soonest_first(rq_backend: Any, entries: Any) -> None:
    page = run(rq_backend, rq_backend.list_schedules(QUEUE, 0, 19))
    by_id = {schedule.id: schedule for schedule in page.schedules}
    assert set(by_id) == {f"rq-scheduler:{entries['cron']}", f"rq-scheduler:{entries['due']}"}
    assert page.total == 2
    cron = by_id[f"rq-scheduler:{entries['cron']}"]
    assert cron.pattern == "*/5 * * * *" and cron.every is None and cron.tz == "UTC"
    assert cron.job_name == "tests.rq_jobs.echo"
    assert cron.state is ScheduleState.SCHEDULED
    assert cron.description == "Every 5 minutes · 3 runs left"
    assert "cannot change it" in cron.read_only and not cron.problems
    due = by_id[f"rq-scheduler:{entries['due']}"]
    assert due.every == 600_000 and due.pattern is None and due.description == "Every 10 minutes"
    # rqscheduler ran it and put it back ten minutes on.
    assert due.next_run_at and due.next_run_at > datetime.now(UTC) + timedelta(minutes=8)
    times = [schedule.next_run_at for schedule in page.schedules]
    assert times == sorted(times)  # type: ignore[type-var]


def test_an_entry_shows_its_last_run(rq_backend: Any, entries: Any) -> None:
    detail = run(rq_backend, rq_backend.get_schedule(QUEUE, f"rq-scheduler:{entries['due']}"))
    assert [(r.job_id, r.state) for r in detail.runs] == [(entries["due"], JobState.COMPLETED)]
    assert detail.runs[0].duration_ms is not None
    # The next 5 runs, ten minutes apart, from the one Redis holds.
    assert detail.preview[0] == detail.schedule.next_run_at and len(detail.preview) == 5
    steps = {b - a for a, b in zip(detail.preview, detail.preview[1:], strict=False)}
    assert steps == {timedelta(minutes=10)}
    untouched = run(rq_backend, rq_backend.get_schedule(QUEUE, f"rq-scheduler:{entries['cron']}"))
    assert untouched.runs == ()
    for missing in (entries["once"], entries["other"], "nothing-here"):
        with pytest.raises(ScheduleNotFound):
            run(rq_backend, rq_backend.get_schedule(QUEUE, f"rq-scheduler:{missing}"))


def test_reading_entries_changes_nothing(rq_backend: Any, rq_redis: Any, entries: Any) -> None:
    before = rq_redis.zrange("rq:scheduler:scheduled_jobs", 0, -1, withscores=True)
    run(rq_backend, rq_backend.list_schedules(QUEUE, 0, 19))
    run(rq_backend, rq_backend.get_schedule(QUEUE, f"rq-scheduler:{entries['due']}"))
    assert rq_redis.zrange("rq:scheduler:scheduled_jobs", 0, -1, withscores=True) == before


@pytest.mark.django_db(transaction=True)
def test_entry_pages_escape_what_the_job_carries(staff_client: Any, entries: Any) -> None:
    listed = staff_client.get(reverse("queues:queue-schedules", args=["rq", QUEUE]))
    assert listed.status_code == 200
    assert b"tests.rq_jobs.echo" in listed.content
    one = staff_client.get(
        reverse("queues:schedule", args=["rq", QUEUE, f"rq-scheduler:{entries['due']}"])
    )
    assert one.status_code == 200
    assert b"Run by rq-scheduler" in one.content and b"Read-only" in one.content
    assert HOSTILE.encode() not in one.content


def test_plain_pickles_are_read_and_others_never_built() -> None:
    meta = {"cron_string": "0 9 * * 1-5", "repeat": 2, "use_local_timezone": True, "n": None}
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert plain_pickle(pickle.dumps(meta, protocol=protocol)) == meta
    assert plain_pickle(pickle.dumps({"when": datetime.now(UTC)})) is None
    # A pickle that would run a shell command is refused at its GLOBAL opcode, never built.
    assert plain_pickle(b"cos\nsystem\n(S'touch /tmp/qb-pwned'\ntR.") is None
    assert not os.path.exists("/tmp/qb-pwned")
    assert plain_pickle(b"\x80\x05garbage") is None
