"""RQ actions on jobs written by real ``rq`` producers and run afterwards by real ``rq worker``
processes: each action in the states it applies to, its skips, and the bounded bulk steps."""

from __future__ import annotations

import pickle
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.suspension import is_suspended

from queues.backends.actions import JobAction, QueueAction
from queues.states import JobState
from tests import rq_action_tasks as tasks
from tests.rq_action_helpers import (
    act,
    burst,
    count,
    producer,
    runs,
    start_worker,
    status,
    step,
    steps,
    stop_worker,
    wait_for,
    where,
)

Q = "acts"


@pytest.fixture
def board(rq_backend: Any) -> Any:
    return rq_backend


def failed_jobs(url: str, tags: list[str], function: Any = tasks.fail_once) -> list[str]:
    queue = producer(url, Q)
    ids = [queue.enqueue(function, tag, job_id=tag).id for tag in tags]
    burst(url, Q)
    assert all(status(url, job_id) == "failed" for job_id in ids)
    return ids


# -- retry ---------------------------------------------------------------------------------------


def test_retry_requeues_failed_jobs_that_then_really_run(board: Any, redis_url: str):
    ids = failed_jobs(redis_url, ["r1", "r2", "r3"])
    outcome = act(board, Q, "retry", ["r1", "r3"])
    assert outcome.done_ids == ["r1", "r3"] and not outcome.skipped
    assert where(redis_url, Q, "r1") == ["queue"] and status(redis_url, "r1") == "queued"
    assert where(redis_url, Q, "r2") == ["failed"]
    job = Job.fetch("r1", connection=redis.Redis.from_url(redis_url))
    assert job.started_at is None and job.ended_at is None and job.origin == Q
    burst(redis_url, Q)
    assert [status(redis_url, i) for i in ids] == ["finished", "failed", "finished"]
    assert [runs(redis_url, i) for i in ids] == [2, 1, 2]


def test_retry_skips_jobs_that_are_not_failed(board: Any, redis_url: str):
    queue = producer(redis_url, Q)
    queue.enqueue(tasks.record, "ok", job_id="ok")
    burst(redis_url, Q)
    queue.enqueue(tasks.record, "waits", job_id="waits")
    outcome = act(board, Q, "retry", ["ok", "waits", "gone"])
    assert outcome.done == 0
    by_id = {skip.job_id: skip for skip in outcome.skipped}
    assert by_id["ok"].state == JobState.COMPLETED
    assert "no longer failed or stopped; it is now completed" in str(by_id["ok"].reason)
    assert by_id["waits"].state == JobState.WAITING
    assert by_id["gone"].missing
    assert where(redis_url, Q, "ok") == ["finished"] and runs(redis_url, "ok") == 1


def test_two_users_retrying_the_same_job_requeue_it_once(board: Any, redis_url: str):
    failed_jobs(redis_url, ["twice"])
    first, second = act(board, Q, "retry", ["twice"]), act(board, Q, "retry", ["twice"])
    assert first.done_ids == ["twice"] and second.skipped[0].state == JobState.WAITING
    assert redis.Redis.from_url(redis_url).lrange(f"rq:queue:{Q}", 0, -1) == [b"twice"]


def test_a_job_of_another_queue_is_left_alone(board: Any, redis_url: str):
    failed_jobs(redis_url, ["mine"])
    redis.Redis.from_url(redis_url).hset("rq:job:mine", "origin", "elsewhere")
    outcome = act(board, Q, "retry", ["mine"])
    assert not outcome.done and "belongs to queue 'elsewhere'" in str(outcome.skipped[0].reason)
    assert where(redis_url, Q, "mine") == ["failed"]


def test_no_payload_is_unpickled(board: Any, redis_url: str, tmp_path: Path):
    """A job whose meta is a pickle that would write a file when loaded: every action works on
    it and the file never appears (RQ's Job.fetch would unpickle meta)."""
    marker = tmp_path / "unpickled"

    class Trap:
        def __reduce__(self) -> Any:
            return (marker.write_text, ("boom",))

    failed_jobs(redis_url, ["trap"])
    client = redis.Redis.from_url(redis_url)
    client.hset("rq:job:trap", "meta", pickle.dumps(Trap()))
    assert act(board, Q, "retry", ["trap"]).done == 1
    assert act(board, Q, "cancel", ["trap"]).done == 1
    assert act(board, Q, "remove", ["trap"]).done == 1
    assert not marker.exists() and not client.exists("rq:job:trap")


# -- promote (enqueue now) -----------------------------------------------------------------------


def test_promote_enqueues_a_scheduled_job_now(board: Any, redis_url: str):
    queue = producer(redis_url, Q)
    job = queue.enqueue_in(timedelta(hours=1), tasks.record, "later", job_id="later")
    assert status(redis_url, job.id) == "scheduled"
    outcome = act(board, Q, "promote", ["later"])
    assert outcome.done_ids == ["later"] and where(redis_url, Q, "later") == ["queue"]
    burst(redis_url, Q)
    assert status(redis_url, "later") == "finished" and runs(redis_url, "later") == 1


def test_promote_enqueues_a_deferred_job_once(board: Any, redis_url: str):
    """A deferred job run now leaves its dependency's dependents: when the dependency finishes
    it is not enqueued a second time."""
    queue = producer(redis_url, Q)
    parent = queue.enqueue(tasks.record, "parent", job_id="parent")
    queue.enqueue(tasks.record, "child", job_id="child", depends_on=parent)
    assert status(redis_url, "child") == "deferred"
    assert act(board, Q, "promote", ["child"]).done_ids == ["child"]
    assert redis.Redis.from_url(redis_url).lrange(f"rq:queue:{Q}", 0, -1) == [b"parent", b"child"]
    burst(redis_url, Q)
    assert runs(redis_url, "parent") == 1 and runs(redis_url, "child") == 1
    assert where(redis_url, Q, "child") == ["finished"]


def test_promote_skips_a_waiting_job(board: Any, redis_url: str):
    producer(redis_url, Q).enqueue(tasks.record, "now", job_id="now")
    outcome = act(board, Q, "promote", ["now"])
    assert outcome.skipped[0].state == JobState.WAITING
    assert "no longer scheduled or deferred" in str(outcome.skipped[0].reason)


def test_promote_all_in_batches(board: Any, redis_url: str):
    queue = producer(redis_url, Q)
    for n in range(7):
        queue.enqueue_in(timedelta(hours=1), tasks.record, f"s{n}", job_id=f"s{n}")
    assert count(board, Q, "promote-all") == 7
    done = steps(board, Q, "promote-all", 3)
    assert [o.done for o in done] == [3, 3, 1]
    burst(redis_url, Q)
    assert all(status(redis_url, f"s{n}") == "finished" for n in range(7))


# -- cancel, stop, remove ------------------------------------------------------------------------


def test_cancel_withdraws_jobs_that_have_not_started(board: Any, redis_url: str):
    queue = producer(redis_url, Q)
    queue.enqueue(tasks.record, "c-queued", job_id="c-queued")
    queue.enqueue_in(timedelta(hours=1), tasks.record, "c-sched", job_id="c-sched")
    parent = queue.enqueue_in(timedelta(hours=1), tasks.record, "c-parent", job_id="c-parent")
    queue.enqueue(tasks.record, "c-def", job_id="c-def", depends_on=parent)
    outcome = act(board, Q, "cancel", ["c-queued", "c-sched", "c-def"])
    assert outcome.done_ids == ["c-queued", "c-sched", "c-def"]
    for job_id in outcome.done_ids:
        assert where(redis_url, Q, job_id) == ["canceled"]
        assert status(redis_url, job_id) == "canceled"
    again = act(board, Q, "cancel", ["c-queued"])
    assert again.skipped[0].state == JobState.CANCELED
    burst(redis_url, Q)
    assert runs(redis_url, "c-queued") == 0


def test_stop_a_running_job_and_remove_refuses_it(board: Any, redis_url: str):
    worker = start_worker(redis_url, Q, name="stopper")
    try:
        producer(redis_url, Q).enqueue(tasks.sleep_for, "long", 60, job_id="long")
        wait_for(lambda: status(redis_url, "long") == "started", what="the job to start")
        removal = act(board, Q, "remove", ["long"])
        assert not removal.done and removal.skipped[0].state == JobState.ACTIVE
        assert "running; stop it first" in str(removal.skipped[0].reason)
        outcome = wait_for(lambda: act(board, Q, "stop", ["long"]).done, what="a listener")
        assert outcome == 1
        wait_for(lambda: status(redis_url, "long") == "stopped", what="the job to stop")
        assert where(redis_url, Q, "long") == ["failed"]
        assert act(board, Q, "stop", ["long"]).skipped[0].state == JobState.STOPPED
        # A stopped job runs again when retried: the live worker takes it at once.
        assert act(board, Q, "retry", ["long"]).done == 1
        wait_for(lambda: runs(redis_url, "long") == 2, what="the job to run again")
        wait_for(lambda: act(board, Q, "stop", ["long"]).done, what="a listener")
        wait_for(lambda: status(redis_url, "long") == "stopped", what="the job to stop again")
    finally:
        stop_worker(worker)


def test_stop_without_a_listening_worker_fails_clearly(board: Any, redis_url: str):
    producer(redis_url, Q).enqueue(tasks.record, "orphan", job_id="orphan")
    client = redis.Redis.from_url(redis_url)
    client.hset("rq:job:orphan", mapping={"status": "started", "worker_name": "gone"})
    outcome = act(board, Q, "stop", ["orphan"])
    assert not outcome.done and "No worker received" in str(outcome.failed[0].reason)


def test_remove_deletes_jobs_in_every_state_but_running(board: Any, redis_url: str):
    queue = producer(redis_url, Q)
    failed_jobs(redis_url, ["x-failed"], tasks.fail)
    queue.enqueue(tasks.record, "x-done", job_id="x-done")
    burst(redis_url, Q)
    queue.enqueue(tasks.record, "x-queued", job_id="x-queued")
    queue.enqueue_in(timedelta(hours=1), tasks.record, "x-sched", job_id="x-sched")
    ids = ["x-failed", "x-done", "x-queued", "x-sched"]
    outcome = act(board, Q, "remove", [*ids, "nothing"])
    assert outcome.done_ids == ids and outcome.skipped[0].missing
    client = redis.Redis.from_url(redis_url)
    for job_id in ids:
        assert where(redis_url, Q, job_id) == [] and not client.exists(f"rq:job:{job_id}")
    assert FailedJobRegistry(Q, connection=client).get_job_count(cleanup=False) == 0


def test_remove_drops_a_registry_entry_whose_job_expired(board: Any, redis_url: str):
    failed_jobs(redis_url, ["expired"], tasks.fail)
    redis.Redis.from_url(redis_url).delete("rq:job:expired")
    assert act(board, Q, "remove", ["expired"]).done_ids == ["expired"]
    assert where(redis_url, Q, "expired") == []


# -- queue-wide steps ----------------------------------------------------------------------------


def test_retry_all_in_batches_runs_each_job_again_once(board: Any, redis_url: str):
    tags = [f"all{n}" for n in range(25)]
    failed_jobs(redis_url, tags)
    assert count(board, Q, "retry-all", state=JobState.FAILED) == 25
    done = steps(board, Q, "retry-all", 10, state=JobState.FAILED)
    assert [o.done for o in done] == [10, 10, 5]
    assert sorted(i for o in done for i in o.done_ids) == sorted(tags)
    burst(redis_url, Q)
    assert all(status(redis_url, t) == "finished" and runs(redis_url, t) == 2 for t in tags)


def test_retry_all_leaves_jobs_that_failed_after_the_cutoff(board: Any, redis_url: str):
    failed_jobs(redis_url, ["before"], tasks.fail)
    client = redis.Redis.from_url(redis_url)
    ended = client.hget("rq:job:before", "ended_at").decode()
    failed_jobs(redis_url, ["after"], tasks.fail)
    client.hset("rq:job:after", "ended_at", "2999-01-01T00:00:00.000000Z")
    del ended
    done = steps(board, Q, "retry-all", 10, state=JobState.FAILED)
    assert [i for o in done for i in o.done_ids] == ["before"]
    assert where(redis_url, Q, "after") == ["failed"]


def test_clean_by_age(board: Any, redis_url: str):
    queue = producer(redis_url, Q)
    for n in range(6):
        queue.enqueue(tasks.record, f"old{n}", job_id=f"old{n}", result_ttl=3600)
    burst(redis_url, Q)
    params = {"state": JobState.COMPLETED, "grace_ms": 3_600_000}
    assert count(board, Q, "clean", **params) == 0
    assert sum(o.done for o in steps(board, Q, "clean", 4, **params)) == 0
    assert count(board, Q, "clean", state=JobState.COMPLETED) == 6
    done = steps(board, Q, "clean", 4, state=JobState.COMPLETED)
    assert [o.done for o in done] == [4, 2]
    client = redis.Redis.from_url(redis_url)
    assert not any(client.exists(f"rq:job:old{n}") for n in range(6))


def test_clean_canceled_jobs(board: Any, redis_url: str):
    producer(redis_url, Q).enqueue(tasks.record, "k", job_id="k")
    act(board, Q, "cancel", ["k"])
    assert steps(board, Q, "clean", 10, state=JobState.CANCELED)[0].done_ids == ["k"]


def test_clean_refuses_a_state_rq_cannot_clean(board: Any, redis_url: str):
    from queues.backends.errors import BackendError, QueueNotFound

    with pytest.raises(QueueNotFound):
        step(board, "nowhere", "clean", 10, state=JobState.COMPLETED)
    producer(redis_url, Q).enqueue(tasks.record, "w", job_id="w")
    with pytest.raises(BackendError, match="RQ cleans completed, failed and canceled"):
        step(board, Q, "clean", 10, state=JobState.WAITING)


def test_empty_in_bounded_batches(board: Any, redis_url: str):
    queue = producer(redis_url, Q)
    for n in range(12):
        queue.enqueue(tasks.record, f"e{n}", job_id=f"e{n}")
    assert count(board, Q, "empty") == 12
    done = steps(board, Q, "empty", 5)
    assert [o.done for o in done] == [5, 5, 2]
    client = redis.Redis.from_url(redis_url)
    assert not client.llen(f"rq:queue:{Q}") and not client.exists("rq:job:e0")


def test_suspend_and_resume_workers(board: Any, redis_url: str):
    client = redis.Redis.from_url(redis_url)
    step(board, Q, "suspend-workers")
    assert is_suspended(client)
    step(board, Q, "resume-workers")
    assert not is_suspended(client)


def test_the_table_says_which_action_applies_where(board: Any):
    assert board.job_actions_for(JobState.FAILED) == [JobAction.RETRY, JobAction.REMOVE]
    assert board.job_actions_for(JobState.STOPPED) == [JobAction.RETRY, JobAction.REMOVE]
    assert board.job_actions_for(JobState.DEFERRED) == [
        JobAction.PROMOTE,
        JobAction.REMOVE,
        JobAction.CANCEL,
    ]
    assert board.job_actions_for(JobState.ACTIVE) == [JobAction.STOP]
    assert "stop it first" in str(board.why_not(JobAction.REMOVE, JobState.ACTIVE))
    assert board.queue_action_states(QueueAction.CLEAN) == (
        JobState.COMPLETED,
        JobState.FAILED,
        JobState.CANCELED,
    )
    assert not board.supports(QueueAction.PAUSE) and board.supports(QueueAction.SUSPEND_WORKERS)


def test_cancel_on_a_long_queue_sends_fewer_ids_per_call(
    board: Any, redis_url: str, monkeypatch: pytest.MonkeyPatch
):
    """With a list longer than the scan budget, one id goes per script call; all are done."""
    from queues.backends.rq import actions

    monkeypatch.setattr(actions, "SCAN_BUDGET", 10)
    queue = producer(redis_url, Q)
    ids = [queue.enqueue(tasks.record, f"l{n}", job_id=f"l{n}").id for n in range(30)]
    client = redis.Redis.from_url(redis_url)

    def script_calls() -> int:
        stats = client.info("commandstats")
        return sum(
            int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("evalsha", "eval")
        )

    before = script_calls()
    assert act(board, Q, "cancel", ids[::-1]).done == 30
    assert script_calls() - before >= 30 and not client.llen(f"rq:queue:{Q}")
