"""BullMQ schedule actions in the backend: run now (with a real worker), edit and remove with
the official ``bullmq`` package, refusals before anything is written."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from queues.backends import cron
from queues.backends.schedule_types import (
    InvalidSchedule,
    ScheduleConflict,
    ScheduleEdit,
    ScheduleNotFound,
    ScheduleState,
)
from tests.fixtures_bullmq import run
from tests.test_bullmq_schedules import Q, node_schedulers

YEARLY = "0 9 1 1 *"  # far enough away never to fire during a test


@pytest.fixture
def r(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def yearly(redis_url: str, node_modules: Any) -> dict[str, Any]:
    return node_schedulers(redis_url, [{
        "id": "new:year/<é>", "repeat": {"pattern": YEARLY, "tz": "America/New_York"},
        "name": "greet", "data": {"who": "<b>all</b>"}, "opts": {"attempts": 3, "priority": 0},
    }])  # fmt: skip


def wait_until(check: Callable[[], Any], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return value


def test_run_now_promotes_the_armed_job_and_the_chain_goes_on(
    bullmq_backend: Any, r: redis.Redis, yearly: Any, node_worker: Any
) -> None:
    sid = "new:year/<é>"
    before = run(bullmq_backend, bullmq_backend.get_schedule(Q, sid)).schedule
    armed = before.armed_job_id
    assert armed and before.iterations == 1
    node_worker(Q, concurrency=1)
    returned = run(bullmq_backend, bullmq_backend.run_schedule_now(Q, sid))
    assert returned.armed_job_id == armed
    wait_until(lambda: r.zscore(f"bull:{Q}:completed", armed) is not None)
    after = wait_until(
        lambda: (
            (s := run(bullmq_backend, bullmq_backend.get_schedule(Q, sid)))
            and s.schedule.iterations == 2
            and s
        )
    )
    # The next run is the same yearly slot again (the chain keeps its time), armed anew.
    assert after.schedule.state == ScheduleState.SCHEDULED
    assert after.schedule.armed_job_id and after.schedule.armed_job_id != armed
    assert [run_.job_id for run_ in after.runs] == [armed]
    # Nothing armed any more in delayed for the old id; a second run now promotes the new one.
    assert r.zscore(f"bull:{Q}:delayed", armed) is None


def test_run_now_is_refused_when_nothing_is_armed(
    bullmq_backend: Any, redis_url: str, node_modules: Any
) -> None:
    node_schedulers(redis_url, [{"id": "once", "repeat": {"every": 150, "limit": 1}}], run_jobs=1)
    with pytest.raises(ScheduleConflict, match="finished"):
        run(bullmq_backend, bullmq_backend.run_schedule_now(Q, "once"))


def test_edit_keeps_the_template_and_counts(
    bullmq_backend: Any, r: redis.Redis, yearly: Any
) -> None:
    sid = "new:year/<é>"
    key = f"bull:{Q}:repeat:{sid}"
    stored = r.hgetall(key)
    old_armed = run(bullmq_backend, bullmq_backend.get_schedule(Q, sid)).schedule.armed_job_id
    end = datetime.now(UTC) + timedelta(days=400)
    edit = ScheduleEdit(pattern="30 8 * * 1-5", tz="Europe/Paris", limit=10, end_at=end)
    before, after = run(bullmq_backend, bullmq_backend.edit_schedule(Q, sid, edit))
    assert before.pattern == YEARLY and after.pattern == "30 8 * * 1-5"
    now = r.hgetall(key)
    assert now["pattern"] == "30 8 * * 1-5" and now["tz"] == "Europe/Paris"
    assert now["limit"] == "10" and now["endDate"] == str(int(end.timestamp() * 1000))
    assert now["name"] == "greet" and now["data"] == stored["data"]
    assert json.loads(now["opts"]) == json.loads(stored["opts"]) and now["ic"] == stored["ic"]
    # The next run is computed across DST correctly (cronsim), and the old run disarmed.
    expected = cron.preview("30 8 * * 1-5", "Europe/Paris", datetime.now(UTC), 1)[0]
    assert after.next_run_at == expected
    assert r.zscore(f"bull:{Q}:delayed", old_armed) is None
    assert after.armed_job_id and r.zscore(f"bull:{Q}:delayed", after.armed_job_id) is not None
    # New data replaces the template's data; to an interval.
    edit = ScheduleEdit(every=60_000, data={"who": "me"}, data_given=True)
    _before, after = run(bullmq_backend, bullmq_backend.edit_schedule(Q, sid, edit))
    assert after.every == 60_000 and after.pattern is None
    assert json.loads(r.hget(key, "data") or "") == {"who": "me"}
    assert json.loads(r.hget(key, "opts") or "") == json.loads(stored["opts"])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (ScheduleEdit(pattern="61 * * * *"), "not a valid cron pattern"),
        (ScheduleEdit(pattern="0 9 * * *", tz="Mars/Base"), "not a known time zone"),
        (ScheduleEdit(), "either a cron pattern or an interval"),
        (ScheduleEdit(pattern="0 9 * * *", every=5), "either a cron pattern or an interval"),
        (ScheduleEdit(every=0), "either a cron pattern"),
        (ScheduleEdit(every=-5), "at least 1"),
        (ScheduleEdit(pattern="0 9 * * *", limit=0), "at least 1"),
        (ScheduleEdit(pattern="0 9 * * *", end_at=datetime(2020, 1, 1, tzinfo=UTC)), "past"),
    ],
)
def test_bad_edits_are_refused_before_anything_is_written(
    bullmq_backend: Any, r: redis.Redis, yearly: Any, edit: ScheduleEdit, message: str
) -> None:
    key = f"bull:{Q}:repeat:new:year/<é>"
    stored, delayed = r.hgetall(key), r.zrange(f"bull:{Q}:delayed", 0, -1)
    with pytest.raises(InvalidSchedule, match=message):
        run(bullmq_backend, bullmq_backend.edit_schedule(Q, "new:year/<é>", edit))
    assert r.hgetall(key) == stored and r.zrange(f"bull:{Q}:delayed", 0, -1) == delayed


def test_remove_takes_the_scheduler_and_its_armed_job(
    bullmq_backend: Any, r: redis.Redis, yearly: Any
) -> None:
    sid = "new:year/<é>"
    before = run(bullmq_backend, bullmq_backend.remove_schedule(Q, sid))
    assert before.id == sid and before.armed_job_id
    assert r.zcard(f"bull:{Q}:repeat") == 0 and not r.exists(f"bull:{Q}:repeat:{sid}")
    assert r.zcard(f"bull:{Q}:delayed") == 0
    with pytest.raises(ScheduleNotFound):
        run(bullmq_backend, bullmq_backend.remove_schedule(Q, sid))


def test_legacy_repeatable_jobs_are_read_only(bullmq_backend: Any, r: redis.Redis) -> None:
    r.hset(f"bull:{Q}:meta", "opts.maxLenEvents", 10000)
    r.zadd(f"bull:{Q}:repeat", {"get-token::::10000": int(time.time() * 1000) + 60_000})
    for call in (
        bullmq_backend.run_schedule_now(Q, "get-token::::10000"),
        bullmq_backend.remove_schedule(Q, "get-token::::10000"),
        bullmq_backend.edit_schedule(Q, "get-token::::10000", ScheduleEdit(every=1000)),
    ):
        with pytest.raises(ScheduleConflict, match="legacy"):
            run(bullmq_backend, call)
    assert r.zcard(f"bull:{Q}:repeat") == 1


def test_edits_compute_the_next_run_across_dst_unlike_the_package_default() -> None:
    from bullmq.job_scheduler import default_repeat_strategy

    from queues.backends.bullmq.schedules import cronsim_strategy

    after = int(datetime(2026, 10, 31, 14, tzinfo=UTC).timestamp() * 1000)  # 10:00 EDT
    opts = {"pattern": "0 9 * * *", "tz": "America/New_York"}
    ours = datetime.fromtimestamp(cronsim_strategy(after, opts) / 1000, UTC)
    assert ours == datetime(2026, 11, 1, 14, tzinfo=UTC)  # 09:00 EST, after the change
    # The package's own strategy (croniter 2.0, as bullmq 3.4 pins it) says 15:00Z (10:00 EST),
    # an hour late: why edits pass ``cronsim_strategy`` to ``JobScheduler``.
    package = datetime.fromtimestamp(default_repeat_strategy(after, opts) / 1000, UTC)
    assert package in (ours, ours + timedelta(hours=1))


def test_an_edit_racing_a_worker_is_refused_and_loses_nothing(
    bullmq_backend: Any, r: redis.Redis, redis_url: str, node_modules: Any
) -> None:
    """A worker takes the armed job between the edit's read and its write (a real Node worker,
    started right after the read): the edit is refused with its reason, the chain as the
    worker left it (runs so far, the new armed job, the pattern) is kept."""
    from tests.fixtures_bullmq import start_node_worker, stop_worker

    sid = "race:every/<é>"
    node_schedulers(redis_url, [{"id": sid, "repeat": {"every": 1500}, "name": "tick"}])
    read = bullmq_backend._one

    async def read_then_advance(queue: str, schedule_id: str, *args: Any) -> Any:
        found = await read(queue, schedule_id, *args)
        if found.iterations == 1:  # the edit's own read: a worker runs the armed job now
            worker = start_node_worker(redis_url, Q, 1, 0)
            try:
                wait_until(lambda: r.hget(f"bull:{Q}:repeat:{sid}", "ic") == "2")
            finally:
                stop_worker(worker)
        return found

    bullmq_backend._one = read_then_advance
    try:
        edit = ScheduleEdit(pattern=None, every=60_000, tz=None, limit=None, end_at=None)
        with pytest.raises(ScheduleConflict, match="ran meanwhile"):
            run(bullmq_backend, bullmq_backend.edit_schedule(Q, sid, edit))
    finally:
        del bullmq_backend._one
    stored = r.hgetall(f"bull:{Q}:repeat:{sid}")
    assert stored["every"] == "1500" and stored["ic"] == "2"  # as the worker left it
    score = int(float(r.zscore(f"bull:{Q}:repeat", sid) or 0))
    armed = f"repeat:{sid}:{score}"
    assert r.zscore(f"bull:{Q}:delayed", armed) is not None or r.exists(f"bull:{Q}:{armed}")
    after = run(bullmq_backend, bullmq_backend.get_schedule(Q, sid)).schedule
    assert after.iterations == 2 and after.every == 1500
