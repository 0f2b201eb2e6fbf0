"""BullMQ schedules read by the backend: Node and Python schedulers, each state, legacy
repeatable jobs, bad hashes, pagination in one round trip, the preview across DST."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from redis.asyncio.connection import AbstractConnection

from queues.backends import cron
from queues.backends.schedule_types import ScheduleNotFound, ScheduleState
from queues.states import JobState
from tests.fixtures_bullmq import run, run_node

Q = "sched"
HOUR = 3_600_000


def node_schedulers(redis_url: str, schedulers: list[dict[str, Any]], run_jobs: int = 0,
                    queue: str = Q) -> dict[str, Any]:  # fmt: skip
    spec = json.dumps({"schedulers": schedulers, "run": run_jobs})
    return dict(json.loads(run_node("schedulers.mjs", redis_url, queue, spec)))


@pytest.fixture
def r(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    sent = [0]
    original = AbstractConnection.send_packed_command

    async def counting(self: Any, command: Any, check_health: bool = True) -> None:
        sent[0] += 1
        await original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    yield sent


def by_id(page: Any) -> dict[str, Any]:
    return {s.id: s for s in page.schedules}


def test_node_schedulers_are_listed_with_their_next_run(
    bullmq_backend: Any, redis_url: str, node_modules: Any, r: redis.Redis
) -> None:
    node_schedulers(redis_url, [
        {"id": "report:daily", "repeat": {"pattern": "0 9 * * 1-5", "tz": "America/New_York"},
         "name": "report", "data": {"to": "<script>alert(1)</script>"}},
        {"id": "cleanup", "repeat": {"every": 300000}, "name": "clean"},
    ])  # fmt: skip
    page = run(bullmq_backend, bullmq_backend.list_schedules(Q, 0, 49))
    assert page.total == 2 and not page.queue_paused
    found = by_id(page)
    daily, every = found["report:daily"], found["cleanup"]
    score = int(float(r.zscore(f"bull:{Q}:repeat", "report:daily")))
    assert daily.next_run_at == datetime.fromtimestamp(score / 1000, UTC)
    assert daily.job_name == "report" and daily.tz == "America/New_York"
    assert daily.pattern == "0 9 * * 1-5" and daily.every is None
    assert daily.description == "At 09:00, Monday through Friday"
    assert daily.state == ScheduleState.SCHEDULED and daily.legacy is False
    assert daily.iterations == 1 and daily.problems == ()
    assert daily.armed_job_id == f"repeat:report:daily:{score}"
    assert daily.armed_state == JobState.DELAYED
    assert json.loads(daily.template_data or "") == {"to": "<script>alert(1)</script>"}
    assert every.every == 300000 and every.description == "Every 5 minutes"
    # An interval's first run is at once: with no worker it is due now.
    assert every.state == ScheduleState.DUE and every.armed_job_id and every.armed_state is None
    assert [s.id for s in page.schedules] == ["cleanup", "report:daily"]  # soonest first


def test_a_scheduler_whose_limit_is_reached_is_finished_not_overdue(
    bullmq_backend: Any, redis_url: str, node_modules: Any
) -> None:
    node_schedulers(redis_url, [{"id": "twice", "repeat": {"every": 150, "limit": 2}}], run_jobs=2)
    (schedule,) = run(bullmq_backend, bullmq_backend.list_schedules(Q, 0, 9)).schedules
    assert schedule.state == ScheduleState.FINISHED, schedule
    assert schedule.limit == 2 and schedule.armed_job_id is None
    detail = run(bullmq_backend, bullmq_backend.get_schedule(Q, "twice"))
    assert [run_.state for run_ in detail.runs] == [JobState.COMPLETED, JobState.COMPLETED]
    assert all(run_.job_id.startswith("repeat:twice:") for run_ in detail.runs)
    assert detail.runs[0].finished_at >= detail.runs[1].finished_at
    assert all(run_.duration_ms is not None and run_.duration_ms >= 0 for run_ in detail.runs)
    assert detail.preview == () and detail.runs_scan_stopped is False


def test_due_overdue_and_paused(bullmq_backend: Any, redis_url: str, r: redis.Redis) -> None:
    now = int(time.time() * 1000)
    base = f"bull:{Q}:"
    r.hset(base + "meta", "opts.maxLenEvents", 10000)
    for sid, score in (("due", now - 5000), ("late", now - HOUR), ("ahead", now + HOUR)):
        r.zadd(base + "repeat", {sid: score})
        r.hset(base + f"repeat:{sid}", mapping={"name": sid, "every": 60000, "ic": 3})
        r.zadd(base + "delayed", {f"repeat:{sid}:{score}": score * 0x1000})
        r.hset(base + f"repeat:{sid}:{score}", mapping={"name": sid, "data": "{}", "rjk": sid})
    found = by_id(run(bullmq_backend, bullmq_backend.list_schedules(Q, 0, 9)))
    assert found["due"].state == ScheduleState.DUE
    assert found["late"].state == ScheduleState.OVERDUE
    assert found["ahead"].state == ScheduleState.SCHEDULED
    r.hset(base + "meta", "paused", 1)
    page = run(bullmq_backend, bullmq_backend.list_schedules(Q, 0, 9))
    assert page.queue_paused
    assert {s.state for s in page.schedules} == {ScheduleState.PAUSED}


def test_missing_hash_bad_fields_and_legacy_members_are_shown_and_kept(
    bullmq_backend: Any, redis_url: str, r: redis.Redis
) -> None:
    now = int(time.time() * 1000)
    base = f"bull:{Q}:"
    r.hset(base + "meta", "opts.maxLenEvents", 10000)
    r.zadd(base + "repeat", {
        "no-hash": now + HOUR,
        "get-token::::10000": now + HOUR,
        "a" * 32: now + HOUR,
        "bad": now + HOUR,
        "bad-cron": now + HOUR,
        "é/<script>:x": now + HOUR,
    })  # fmt: skip
    r.hset(base + "repeat:" + "a" * 32, mapping={"name": "old", "every": 1000})
    bad = {"name": "bad", "pattern": "0 * * * *", "data": "{not json", "limit": "many", "ic": "x",
           "tz": "Mars/Base"}  # fmt: skip
    r.hset(base + "repeat:bad", mapping=bad)
    r.hset(base + "repeat:bad-cron", mapping={"name": "b", "pattern": "61 * * * *", "ic": 1})
    r.hset(base + "repeat:é/<script>:x", mapping={"name": "<b>", "every": 1000, "ic": 1})
    page = run(bullmq_backend, bullmq_backend.list_schedules(Q, 0, 49))
    found = by_id(page)
    assert page.total == 6 and set(found) == {
        "no-hash", "get-token::::10000", "a" * 32, "bad", "bad-cron", "é/<script>:x"
    }  # fmt: skip
    assert any("Missing template" in p for p in found["no-hash"].problems)
    assert not found["no-hash"].legacy
    legacy = found["get-token::::10000"]
    assert legacy.legacy and legacy.every == 10000 and legacy.job_name == "get-token"
    assert found["a" * 32].legacy and found["a" * 32].every == 1000
    bad = found["bad"]
    assert not bad.legacy and bad.limit is None and bad.iterations is None
    assert any("not JSON" in p for p in bad.problems)
    assert any("limit" in p for p in bad.problems)
    assert any("Mars/Base" in p for p in bad.problems)
    assert any("not a valid cron pattern" in p for p in found["bad-cron"].problems)
    assert found["é/<script>:x"].job_name == "<b>"
    # Reading cleaned nothing (Node's getJobSchedulers would delete "no-hash").
    assert r.zcard(base + "repeat") == 6
    detail = run(bullmq_backend, bullmq_backend.get_schedule(Q, "é/<script>:x"))
    assert detail.schedule.id == "é/<script>:x"
    with pytest.raises(ScheduleNotFound):
        run(bullmq_backend, bullmq_backend.get_schedule(Q, "nope"))


def test_a_page_is_one_round_trip_whatever_the_number(
    bullmq_backend: Any, redis_url: str, r: redis.Redis, round_trips: list[int]
) -> None:
    now = int(time.time() * 1000)
    base = f"bull:{Q}:"
    pipe = r.pipeline(transaction=False)
    pipe.hset(base + "meta", "opts.maxLenEvents", 10000)
    for n in range(3000):
        pipe.zadd(base + "repeat", {f"s{n}": now + HOUR + n})
        pipe.hset(base + f"repeat:s{n}", mapping={"name": "n", "pattern": "*/5 * * * *", "ic": 1})
    pipe.execute()

    async def two_pages() -> tuple[int, int, Any, Any]:
        await bullmq_backend.list_schedules(Q, 0, 0)  # discovery and script loading
        before = round_trips[0]
        small = await bullmq_backend.list_schedules(Q, 0, 9)
        middle = round_trips[0]
        large = await bullmq_backend.list_schedules(Q, 100, 599)
        return middle - before, round_trips[0] - middle, small, large

    small_trips, large_trips, small, large = run(bullmq_backend, two_pages())
    assert small_trips == large_trips == 1
    assert len(small.schedules) == 10 and small.total == 3000
    assert len(large.schedules) == 500  # MAX_PAGE
    assert large.schedules[0].id == "s100"


def test_django_tasks_has_no_schedules(tasks_backend: Any) -> None:
    assert tasks_backend.capabilities()["schedules"] is False
    assert not tasks_backend.supports_schedule_run_now


def test_bullmq_declares_schedules(bullmq_backend: Any) -> None:
    flags = bullmq_backend.capabilities()
    assert flags["schedules"] and flags["schedule_run_now"]
    assert flags["schedule_edit"] and flags["schedule_remove"]


def test_preview_is_correct_across_dst() -> None:
    autumn = cron.preview("0 9 * * *", "America/New_York", datetime(2026, 10, 30, 12, tzinfo=UTC))
    assert [d.isoformat() for d in autumn] == [
        "2026-10-30T13:00:00+00:00", "2026-10-31T13:00:00+00:00",
        "2026-11-01T14:00:00+00:00", "2026-11-02T14:00:00+00:00", "2026-11-03T14:00:00+00:00",
    ]  # fmt: skip
    spring = cron.preview("0 9 * * *", "America/New_York", datetime(2026, 3, 6, 12, tzinfo=UTC))
    assert [d.hour for d in spring] == [14, 14, 13, 13, 13]  # 8 March 2026: 09:00 EDT = 13:00Z
    assert cron.preview("@daily", None, datetime(2026, 1, 1, 1, tzinfo=UTC), 1) == (
        datetime(2026, 1, 2, tzinfo=UTC),
    )
    # Six fields: seconds first.
    six = cron.preview("30 0 9 * * *", "UTC", datetime(2026, 1, 1, tzinfo=UTC), 1)
    assert six == (datetime(2026, 1, 1, 9, 0, 30, tzinfo=UTC),)


def test_python_bullmq_schedulers_are_listed(bullmq_backend: Any, redis_url: str) -> None:
    from bullmq import Queue

    async def write() -> None:
        queue = Queue(Q, {"connection": redis_url, "prefix": "bull"})
        try:
            await queue.upsertJobScheduler(
                "py:nightly", {"pattern": "0 2 * * *", "tz": "Europe/Berlin"}, "nightly",
                {"n": 1}, {"attempts": 2},
            )  # fmt: skip
            await queue.upsertJobScheduler("py:every", {"every": 90_000}, "tick")
        finally:
            await queue.close()

    asyncio.run(write())
    found = by_id(run(bullmq_backend, bullmq_backend.list_schedules(Q, 0, 9)))
    nightly, every = found["py:nightly"], found["py:every"]
    assert nightly.pattern == "0 2 * * *" and nightly.tz == "Europe/Berlin"
    assert nightly.description == "At 02:00" and nightly.state == ScheduleState.SCHEDULED
    assert nightly.armed_state == JobState.DELAYED and not nightly.legacy
    assert json.loads(nightly.template_data or "") == {"n": 1}
    assert every.every == 90_000 and every.description == "Every 90 seconds"
