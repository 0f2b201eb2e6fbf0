"""BullMQ actions on the backend: each action on each state it applies to, and its refusals."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import redis

from queues.backends.actions import ActionOutcome, JobAction, QueueAction, QueueActionParams
from queues.backends.errors import BackendUnavailable
from queues.states import JobState
from tests import bullmq_producers as producers
from tests.fixtures_bullmq import run, where_jobs_are, write_finished_jobs

Q = "py-basic"


@pytest.fixture
def py_queue(redis_url: str) -> dict[str, list[str]]:
    """failed 4, 2; completed 5, 3, 1; waiting 3; delayed 2; prioritized 3 (newest first)."""
    return asyncio.run(producers.seed_python_queue(redis_url, Q))


@pytest.fixture
def r(redis_url: str) -> Any:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


def act(backend: Any, action: JobAction, ids: list[str], queue: str = Q) -> ActionOutcome:
    return run(backend, backend.act_on_jobs(queue, action, ids))


def step(backend: Any, action: QueueAction, batch: int = 1000, queue: str = Q, **params: Any):
    params.setdefault("report_ids", True)
    return run(backend, backend.queue_step(queue, action, QueueActionParams(**params), batch))


def count(backend: Any, action: QueueAction, queue: str = Q, **params: Any) -> int:
    return run(backend, backend.count_for(queue, action, QueueActionParams(**params)))


def states_of(url: str, queue: str = Q) -> dict[str, list[str]]:
    return where_jobs_are(url, queue)


def test_capabilities(bullmq_backend: Any) -> None:
    flags = bullmq_backend.capabilities()
    for name in ("retry", "retry_completed", "promote", "remove", "clean", "pause", "empty"):
        assert flags[name], name


# -- retry ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["failed", "completed"])
def test_retry_moves_a_finished_job_to_waiting(
    bullmq_backend: Any, py_queue: Any, r: Any, redis_url: str, state: str
) -> None:
    job_id = py_queue[state][0]
    outcome = act(bullmq_backend, JobAction.RETRY, [job_id])
    assert (outcome.done, outcome.done_ids, outcome.skipped) == (1, [job_id], [])
    assert states_of(redis_url)[job_id] == ["wait"]
    job = r.hgetall(f"bull:{Q}:{job_id}")
    cleared = "failedReason" if state == "failed" else "returnvalue"
    assert cleared not in job and "finishedOn" not in job and "processedOn" not in job
    assert job["atm"] == "1"  # attempts are kept, as Job.retry() does by default
    (last,) = r.xrevrange(f"bull:{Q}:events", count=1)
    assert last[1] == {"event": "waiting", "jobId": job_id, "prev": state}


def test_retry_refusals_name_the_current_state(
    bullmq_backend: Any, py_queue: Any, redis_url: str
) -> None:
    failed, waiting = py_queue["failed"][0], py_queue["waiting"][0]
    delayed = py_queue["delayed"][0]
    outcome = act(bullmq_backend, JobAction.RETRY, [failed, waiting, "no-such-job", delayed])
    assert outcome.done_ids == [failed] and outcome.done == 1
    skipped = {s.job_id: s for s in outcome.skipped}
    assert skipped["no-such-job"].missing and skipped["no-such-job"].state is None
    assert skipped[waiting].state == JobState.WAITING
    assert skipped[waiting].reason == f"Job {waiting} is no longer failed; it is now waiting."
    assert skipped[delayed].state == JobState.DELAYED
    again = act(bullmq_backend, JobAction.RETRY, [failed])
    assert again.done == 0 and again.skipped[0].state == JobState.WAITING
    assert states_of(redis_url)[failed] == ["wait"]


def test_retry_keeps_lifo_and_priority(bullmq_backend: Any, redis_url: str, r: Any) -> None:
    ids = write_finished_jobs(redis_url, "opts", 3)
    r.hset("bull:opts:1", "opts", json.dumps({"lifo": True}))
    r.hset("bull:opts:2", "priority", 7)
    r.lpush("bull:opts:wait", "older")
    outcome = act(bullmq_backend, JobAction.RETRY, ids, queue="opts")
    assert outcome.done == 3
    assert r.lrange("bull:opts:wait", 0, -1) == ["3", "older", "1"]  # LPUSH; lifo RPUSH
    assert r.zrange("bull:opts:prioritized", 0, -1) == ["2"]


def test_two_users_retrying_the_same_jobs_retry_each_once(
    bullmq_backend: Any, redis_url: str
) -> None:
    ids = write_finished_jobs(redis_url, "twice", 300)

    async def both() -> list[ActionOutcome]:
        try:
            return list(
                await asyncio.gather(
                    bullmq_backend.act_on_jobs("twice", JobAction.RETRY, ids),
                    bullmq_backend.act_on_jobs("twice", JobAction.RETRY, list(reversed(ids))),
                )
            )
        finally:
            await bullmq_backend.close()

    first, second = asyncio.run(both())
    assert first.done + second.done == 300
    assert sorted(first.done_ids + second.done_ids, key=int) == ids
    assert len(first.skipped) + len(second.skipped) == 300
    assert {s.state for s in first.skipped + second.skipped} <= {JobState.WAITING}
    assert {k: v for k, v in states_of(redis_url, "twice").items() if v != ["wait"]} == {}


# -- promote and remove --------------------------------------------------------------------------


def test_promote(bullmq_backend: Any, py_queue: Any, r: Any, redis_url: str) -> None:
    delayed, waiting = py_queue["delayed"], py_queue["waiting"][0]
    outcome = act(bullmq_backend, JobAction.PROMOTE, [*delayed, waiting, "gone"])
    assert outcome.done_ids == delayed and outcome.done == 2
    skipped = {s.job_id: s for s in outcome.skipped}
    assert skipped["gone"].missing
    assert skipped[waiting].reason == f"Job {waiting} is no longer delayed; it is now waiting."
    where = states_of(redis_url)
    assert all(where[job_id] == ["wait"] for job_id in delayed)
    assert r.hget(f"bull:{Q}:{delayed[0]}", "delay") == "0"


@pytest.mark.parametrize("state", ["waiting", "delayed", "prioritized", "completed", "failed"])
def test_remove_from_each_state(
    bullmq_backend: Any, py_queue: Any, r: Any, redis_url: str, state: str
) -> None:
    job_id = py_queue[state][0]
    outcome = act(bullmq_backend, JobAction.REMOVE, [job_id, "gone"])
    assert outcome.done_ids == [job_id]
    assert [s.job_id for s in outcome.skipped if s.missing] == ["gone"]
    assert not r.exists(f"bull:{Q}:{job_id}", f"bull:{Q}:{job_id}:logs")
    assert job_id not in states_of(redis_url)


def test_remove_refuses_a_scheduler_job(bullmq_backend: Any, redis_url: str, r: Any) -> None:
    job_id = asyncio.run(producers.seed_python_scheduler(redis_url))
    outcome = act(bullmq_backend, JobAction.REMOVE, [job_id], queue="py-sched")
    (skip,) = outcome.skipped
    assert outcome.done == 0 and skip.state == JobState.WAITING  # its first run is due now
    assert "is the next run of a schedule" in skip.reason
    assert "Remove the schedule instead" in skip.reason
    assert skip.schedule == "hourly-report"  # its scheduler, for a link to its page
    assert r.exists(f"bull:py-sched:{job_id}")


def test_remove_refuses_an_active_job_and_a_parent_with_a_locked_child(
    bullmq_backend: Any, redis_url: str, r: Any
) -> None:
    flow = asyncio.run(producers.seed_python_flow(redis_url))
    child = flow["children"][0]
    # A worker took the child: it is active and holds a lock.
    r.lrem("bull:py-children:wait", 0, child)
    r.lpush("bull:py-children:active", child)
    r.set(f"bull:py-children:{child}:lock", "token", px=30_000)
    running = act(bullmq_backend, JobAction.REMOVE, [child], queue="py-children")
    assert running.skipped[0].reason == f"Job {child} is running/locked; it cannot be removed."
    assert running.skipped[0].state == JobState.ACTIVE
    parent = act(bullmq_backend, JobAction.REMOVE, [flow["parent"]], queue="py-parents")
    (skip,) = parent.skipped
    assert parent.done == 0 and skip.state == JobState.WAITING_CHILDREN
    assert "running/locked child" in skip.reason
    assert r.exists(f"bull:py-parents:{flow['parent']}", f"bull:py-children:{child}") == 2


def test_remove_a_parent_removes_its_children(bullmq_backend: Any, redis_url: str, r: Any) -> None:
    flow = asyncio.run(producers.seed_python_flow(redis_url))
    outcome = act(bullmq_backend, JobAction.REMOVE, [flow["parent"]], queue="py-parents")
    assert outcome.done == 1
    assert r.llen("bull:py-children:wait") == 0
    assert not any(r.exists(f"bull:py-children:{c}") for c in flow["children"])


# -- flows ---------------------------------------------------------------------------------------


async def _flow_with_a_finished_child(url: str, fail: bool) -> dict[str, str]:
    """Parent waiting for two children; the first has completed (or failed, ignored)."""
    producer = producers.FlowProducer(url, {"prefix": producers.PREFIX})
    child_opts = {"ignoreDependencyOnFailure": True} if fail else {}
    try:
        tree = await producer.add(
            {
                "name": "parent",
                "queueName": "f-parents",
                "data": {},
                "children": [
                    {
                        "name": "c",
                        "queueName": "f-kids",
                        "data": {"fail": fail},
                        "opts": child_opts,
                    },
                    {
                        "name": "c",
                        "queueName": "f-later",
                        "data": {},
                        "opts": {"delay": producers.HOUR_MS},
                    },
                ],
            }
        )
    finally:
        await producer.close()
    assert tree is not None
    kids = producers.Queue("f-kids", producers.opts(url))

    async def work(job: Any, token: str) -> Any:
        if job.data["fail"]:
            raise producers.ContractError("child failed")
        return 1

    try:
        await producers.process_all(url, kids, work, 1)
    finally:
        await kids.close()
    return {"parent": tree["job"].id, "child": tree["children"][0]["job"].id}


@pytest.mark.parametrize("fail", [False, True], ids=["completed-child", "failed-child"])
def test_retried_child_goes_back_into_its_parents_dependencies(
    bullmq_backend: Any, redis_url: str, r: Any, fail: bool
) -> None:
    ids = asyncio.run(_flow_with_a_finished_child(redis_url, fail))
    parent, child = f"bull:f-parents:{ids['parent']}", f"bull:f-kids:{ids['child']}"
    assert child not in r.smembers(parent + ":dependencies")
    assert r.hexists(parent + (":failed" if fail else ":processed"), child)
    outcome = act(bullmq_backend, JobAction.RETRY, [ids["child"]], queue="f-kids")
    assert outcome.done == 1
    assert child in r.smembers(parent + ":dependencies")
    assert not r.hexists(parent + (":failed" if fail else ":processed"), child)
    assert states_of(redis_url, "f-parents")[ids["parent"]] == ["waiting-children"]
    assert states_of(redis_url, "f-kids")[ids["child"]] == ["wait"]


# -- queue actions -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["failed", "completed"])
def test_retry_all_in_batches_up_to_the_cutoff(
    bullmq_backend: Any, redis_url: str, r: Any, state: str
) -> None:
    ids = write_finished_jobs(redis_url, "bulk", 7, state)
    cutoff = int(r.zscore(f"bull:bulk:{state}", "5"))  # jobs 6 and 7 finished after it
    params = {"state": JobState(state), "cutoff_ms": cutoff}
    assert count(bullmq_backend, QueueAction.RETRY_ALL, "bulk", **params) == 5
    steps = [step(bullmq_backend, QueueAction.RETRY_ALL, 2, "bulk", **params) for _ in range(3)]
    assert [(s.done, s.finished) for s in steps] == [(2, False), (2, False), (1, True)]
    assert [i for s in steps for i in s.done_ids] == ids[:5]
    assert r.zrange(f"bull:bulk:{state}", 0, -1) == ["6", "7"]
    assert sorted(r.lrange("bull:bulk:wait", 0, -1), key=int) == ids[:5]


def test_promote_all(bullmq_backend: Any, py_queue: Any, redis_url: str) -> None:
    assert count(bullmq_backend, QueueAction.PROMOTE_ALL) == 2
    first = step(bullmq_backend, QueueAction.PROMOTE_ALL, 1)
    second = step(bullmq_backend, QueueAction.PROMOTE_ALL, 1)
    assert (first.done, first.finished, second.done, second.finished) == (1, False, 1, True)
    assert sorted(first.done_ids + second.done_ids) == sorted(py_queue["delayed"])
    assert count(bullmq_backend, QueueAction.PROMOTE_ALL) == 0


@pytest.mark.parametrize("state", ["completed", "failed", "delayed", "waiting"])
def test_clean_each_state(bullmq_backend: Any, py_queue: Any, redis_url: str, state: str) -> None:
    job_state = JobState(state)
    expected = py_queue[state]
    assert count(bullmq_backend, QueueAction.CLEAN, state=job_state, grace_ms=3_600_000) == 0
    assert count(bullmq_backend, QueueAction.CLEAN, state=job_state, grace_ms=1) == len(expected)
    done: list[str] = []
    while True:
        outcome = step(bullmq_backend, QueueAction.CLEAN, 2, state=job_state)
        done += outcome.done_ids
        if outcome.finished:
            break
    assert sorted(done) == sorted(expected)
    where = states_of(redis_url)
    assert not set(expected) & set(where)
    assert count(bullmq_backend, QueueAction.CLEAN, state=job_state) == 0


def test_clean_respects_the_grace_period(bullmq_backend: Any, redis_url: str, r: Any) -> None:
    write_finished_jobs(redis_url, "old", 4, "completed")
    r.zadd("bull:old:completed", {"4": 9_999_999_999_999})  # finished "in the future"
    assert count(bullmq_backend, QueueAction.CLEAN, "old", state=JobState.COMPLETED) == 3
    outcome = step(bullmq_backend, QueueAction.CLEAN, 10, "old", state=JobState.COMPLETED)
    assert (outcome.done, outcome.finished) == (3, True)
    assert r.zrange("bull:old:completed", 0, -1) == ["4"]


def test_empty_removes_waiting_prioritized_and_legacy_paused(
    bullmq_backend: Any, py_queue: Any, redis_url: str, r: Any
) -> None:
    r.lpush(f"bull:{Q}:paused", "legacy")
    r.hset(f"bull:{Q}:legacy", mapping=producers.job_hash("legacy"))
    assert count(bullmq_backend, QueueAction.EMPTY) == 3 + 3 + 1
    first = step(bullmq_backend, QueueAction.EMPTY, 4)
    second = step(bullmq_backend, QueueAction.EMPTY, 4)
    assert (first.done, first.finished, second.done, second.finished) == (4, False, 3, True)
    assert sorted(first.done_ids + second.done_ids) == sorted(
        py_queue["waiting"] + py_queue["prioritized"] + ["legacy"]
    )
    assert count(bullmq_backend, QueueAction.EMPTY) == 0
    left = states_of(redis_url)
    assert set(left) == set(py_queue["delayed"] + py_queue["completed"] + py_queue["failed"])


def test_empty_leaves_scheduler_jobs_and_finishes(
    bullmq_backend: Any, redis_url: str, r: Any
) -> None:
    job_id = asyncio.run(producers.seed_python_scheduler(redis_url))
    assert r.lrange("bull:py-sched:wait", 0, -1) == [job_id]  # its first run is due now
    outcome = step(bullmq_backend, QueueAction.EMPTY, 10, "py-sched")
    assert (outcome.done, outcome.finished) == (0, True)
    assert r.lrange("bull:py-sched:wait", 0, -1) == [job_id]


def test_pause_and_resume(bullmq_backend: Any, py_queue: Any, r: Any) -> None:
    assert step(bullmq_backend, QueueAction.PAUSE).finished
    assert r.hget(f"bull:{Q}:meta", "paused") == "1"
    assert run(bullmq_backend, bullmq_backend.get_queue(Q)).paused
    assert r.llen(f"bull:{Q}:wait") == 3  # v6 keeps the jobs where they are
    assert step(bullmq_backend, QueueAction.RESUME).finished
    assert not run(bullmq_backend, bullmq_backend.get_queue(Q)).paused
    assert [e[1]["event"] for e in r.xrevrange(f"bull:{Q}:events", count=2)] == [
        "resumed",
        "paused",
    ]


# -- scripts, round trips and faults -------------------------------------------------------------


def test_scripts_come_back_after_script_flush(
    bullmq_backend: Any, py_queue: Any, r: Any, redis_url: str
) -> None:
    act(bullmq_backend, JobAction.PROMOTE, [py_queue["delayed"][0]])
    r.script_flush()
    outcome = act(bullmq_backend, JobAction.RETRY, py_queue["failed"])
    assert outcome.done == 2 and not outcome.failed


def test_round_trips_do_not_grow_with_the_selection(
    bullmq_backend: Any, redis_url: str, monkeypatch: Any
) -> None:
    ids = write_finished_jobs(redis_url, "trips", 500)
    run(bullmq_backend, bullmq_backend.get_queue("trips"))  # discovery cached
    from redis.asyncio.client import Pipeline

    sent: list[int] = []
    original = Pipeline.execute

    async def counting(self: Any, raise_on_error: bool = True) -> Any:
        sent.append(len(self.command_stack))
        return await original(self, raise_on_error)

    monkeypatch.setattr(Pipeline, "execute", counting)
    act(bullmq_backend, JobAction.RETRY, ids, queue="trips")  # loads the scripts: one more
    sent.clear()
    assert act(bullmq_backend, JobAction.RETRY, ids, queue="trips").skipped  # reads + lookup
    assert len(sent) == 2
    write_finished_jobs(redis_url, "trips2", 500)
    step(bullmq_backend, QueueAction.RETRY_ALL, 100, "trips2")  # loads the script
    sent.clear()
    assert step(bullmq_backend, QueueAction.RETRY_ALL, 100, "trips2").done == 100
    assert sent == [4]  # one MULTI: the ids, count before, the script, count after
    sent.clear()
    bulk = step(bullmq_backend, QueueAction.RETRY_ALL, 100, "trips2", report_ids=False)
    assert (bulk.done, bulk.done_ids) == (100, [])
    assert sent == [3]  # a bulk run's step: counts only, no ids to parse


def test_redis_down_is_backend_unavailable(
    bullmq_backend: Any, redis_server: Any, redis_url: str
) -> None:
    redis_server.stop()
    with pytest.raises(BackendUnavailable):
        act(bullmq_backend, JobAction.RETRY, ["1"])
    with pytest.raises(BackendUnavailable, match="may or may not have been applied"):
        step(bullmq_backend, QueueAction.RETRY_ALL, 10)


@pytest.mark.parametrize(
    ("action", "key", "params"),
    [
        (QueueAction.RETRY_ALL, "failed", {}),
        (QueueAction.CLEAN, "completed", {"state": JobState.COMPLETED}),
        (QueueAction.EMPTY, "wait", {}),
    ],
    ids=["retry-all", "clean", "empty"],
)
def test_bulk_steps_cover_20000_jobs_in_bounded_batches(
    bullmq_backend: Any, redis_url: str, r: Any, action: Any, key: str, params: Any
) -> None:
    """Every job once, each step bounded; the SLOWLOG figure is measured in bench/."""
    write_finished_jobs(redis_url, "big", 20_000, key)
    done: list[str] = []
    steps = 0
    while True:
        outcome = step(bullmq_backend, action, 1000, "big", **params)
        steps += 1
        assert len(outcome.done_ids) <= 1000
        done += outcome.done_ids
        if outcome.finished:
            break
    assert len(set(done)) == len(done) == 20_000
    assert steps >= 20
    assert not r.exists(f"bull:big:{key}")
