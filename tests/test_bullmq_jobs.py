"""Job pages and job details from Python-written queues, legacy data and corrupt hashes."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from queues.backends.errors import JobNotFound, QueueNotFound
from queues.backends.types import JobQuery
from queues.states import JobState
from tests import bullmq_producers as producers
from tests.fixtures_bullmq import run


@pytest.fixture
def py_queue(redis_url: str) -> dict[str, list[str]]:
    return asyncio.run(producers.seed_python_queue(redis_url, "py-basic"))


@pytest.fixture
def r(redis_url: str) -> Any:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def page(backend: Any, queue: str, state: JobState, page: int = 1, per_page: int = 20) -> Any:
    return run(backend, backend.list_jobs(JobQuery(queue, state, page, per_page)))


def detail(backend: Any, queue: str, job_id: str) -> Any:
    return run(backend, backend.get_job(queue, job_id))


# -- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["waiting", "delayed", "prioritized", "completed", "failed"])
def test_natural_order_per_state(bullmq_backend: Any, py_queue: Any, state: str) -> None:
    result = page(bullmq_backend, "py-basic", JobState(state))
    assert [job.id for job in result.jobs] == py_queue[state]
    assert result.total == len(py_queue[state])
    assert {job.state for job in result.jobs} <= {JobState(state)}


def test_empty_states(bullmq_backend: Any, py_queue: Any) -> None:
    for state in (JobState.ACTIVE, JobState.WAITING_CHILDREN, JobState.PAUSED):
        result = page(bullmq_backend, "py-basic", state)
        assert (result.jobs, result.total) == ([], 0)


def test_pagination(bullmq_backend: Any, redis_url: str) -> None:
    ids = asyncio.run(producers.add_jobs(redis_url, "many", 45))
    newest_first = list(reversed(ids))
    pages = [page(bullmq_backend, "many", JobState.WAITING, n, 20) for n in (1, 2, 3, 4)]
    assert [[job.id for job in p.jobs] for p in pages] == [
        newest_first[:20],
        newest_first[20:40],
        newest_first[40:],
        [],
    ]
    assert {p.total for p in pages} == {45}
    assert pages[0].pages == 3 and pages[0].has_next and not pages[2].has_next


def test_summary_fields(bullmq_backend: Any, py_queue: Any) -> None:
    failed = page(bullmq_backend, "py-basic", JobState.FAILED).jobs[0]
    assert failed.name == "work"
    assert failed.data.value == {"n": 4, "fail": True}
    assert failed.failed_reason == "boom (4)"
    assert failed.attempts_made == 1 and failed.attempts_allowed == 1
    assert failed.created_at and failed.processed_at and failed.finished_at
    assert failed.duration_seconds is not None and failed.problems == ()
    completed = page(bullmq_backend, "py-basic", JobState.COMPLETED).jobs[0]
    assert completed.progress_percent == 100.0
    delayed = page(bullmq_backend, "py-basic", JobState.DELAYED).jobs
    now = datetime.now(UTC)
    assert timedelta(minutes=55) < delayed[0].due_at - now < timedelta(minutes=65)
    assert timedelta(minutes=115) < delayed[1].due_at - now < timedelta(minutes=125)
    prioritized = page(bullmq_backend, "py-basic", JobState.PRIORITIZED).jobs
    assert [job.priority for job in prioritized] == [1, 3, 5]


def test_unknown_queue_and_vanished_hashes(bullmq_backend: Any, py_queue: Any, r: Any) -> None:
    with pytest.raises(QueueNotFound):
        page(bullmq_backend, "nope", JobState.WAITING)
    vanished = py_queue["waiting"][1]
    r.delete(f"bull:py-basic:{vanished}")
    result = page(bullmq_backend, "py-basic", JobState.WAITING)
    assert [job.id for job in result.jobs] == [i for i in py_queue["waiting"] if i != vanished]
    assert result.total == 3  # the id is still listed in wait


def test_job_vanishing_between_list_and_detail(bullmq_backend: Any, py_queue: Any, r: Any) -> None:
    listed = page(bullmq_backend, "py-basic", JobState.COMPLETED).jobs[0]
    r.delete(f"bull:py-basic:{listed.id}")
    with pytest.raises(JobNotFound):
        detail(bullmq_backend, "py-basic", listed.id)
    with pytest.raises(JobNotFound):
        detail(bullmq_backend, "py-basic", "no-such-job")
    with pytest.raises(QueueNotFound):
        detail(bullmq_backend, "no-such-queue", "1")


# -- details -------------------------------------------------------------------------------------


def test_failed_job_detail(bullmq_backend: Any, py_queue: Any) -> None:
    job = detail(bullmq_backend, "py-basic", py_queue["failed"][0])
    assert job.state is JobState.FAILED
    assert job.failed_reason == "boom (4)"
    assert any("ContractError: boom (4)" in line for line in job.stacktrace)
    assert job.logs == ("started 4",) and job.log_count == 1
    assert job.options.is_json and job.return_value.is_empty
    assert job.attempts_started == 1 and job.attempts_made == 1
    assert job.problems == ()


def test_completed_job_detail(bullmq_backend: Any, py_queue: Any) -> None:
    job = detail(bullmq_backend, "py-basic", py_queue["completed"][0])
    assert job.state is JobState.COMPLETED
    assert job.return_value.value == {"doubled": 10}
    assert job.progress.value == 100
    assert job.logs == ("started 5", "finished 5")
    assert job.finished_at >= job.processed_at >= job.created_at


def test_delayed_and_prioritized_detail(bullmq_backend: Any, py_queue: Any) -> None:
    soonest = detail(bullmq_backend, "py-basic", py_queue["delayed"][0])
    assert soonest.state is JobState.DELAYED
    expected = soonest.created_at + timedelta(hours=1)
    assert abs(soonest.due_at - expected) < timedelta(seconds=1)
    urgent = detail(bullmq_backend, "py-basic", py_queue["prioritized"][0])
    assert urgent.state is JobState.PRIORITIZED and urgent.priority == 1


def test_log_lines_are_the_newest(
    bullmq_backend: Any, redis_url: str, r: Any, settings: Any
) -> None:
    settings.QUEUEBOARD = {"LOG_LINES": 3}
    (job_id,) = asyncio.run(producers.add_jobs(redis_url, "chatty", 1))
    r.rpush(f"bull:chatty:{job_id}:logs", *[f"line {n}" for n in range(10)])
    job = detail(bullmq_backend, "chatty", job_id)
    assert job.logs == ("line 7", "line 8", "line 9") and job.log_count == 10


def test_python_flow(bullmq_backend: Any, redis_url: str) -> None:
    flow = asyncio.run(producers.seed_python_flow(redis_url))
    parent = detail(bullmq_backend, "py-parents", flow["parent"])
    assert parent.state is JobState.WAITING_CHILDREN
    assert sorted(c.id for c in parent.children) == flow["children"]
    assert {c.queue for c in parent.children} == {"py-children"}
    child = detail(bullmq_backend, "py-children", flow["children"][0])
    assert (child.parent.queue, child.parent.id) == ("py-parents", flow["parent"])
    listed = page(bullmq_backend, "py-parents", JobState.WAITING_CHILDREN)
    assert [job.id for job in listed.jobs] == [flow["parent"]]


def test_python_scheduler(bullmq_backend: Any, redis_url: str) -> None:
    job_id = asyncio.run(producers.seed_python_scheduler(redis_url))
    job = detail(bullmq_backend, "py-sched", job_id)
    assert ("Job scheduler", "hourly-report") in job.extra
    assert job.data.value == {"kind": "report"}


def test_children_in_every_relation(bullmq_backend: Any, r: Any) -> None:
    """Pending, processed, ignored-failed and unsuccessful children, in queues with ':'."""
    for name in ("flows", "kids:a", "kids"):
        producers.write_queue_keys(r, name)
    producers.write_job(r, "flows", "p", "waiting-children")
    r.sadd("bull:flows:p:dependencies", "bull:kids:a:1")
    r.hset("bull:flows:p:processed", "bull:kids:a:2", '"ok"')
    r.hset("bull:flows:p:failed", "bull:kids:3", "ignored failure")
    r.zadd("bull:flows:p:unsuccessful", {"bull:kids:a:4:x": 1})
    producers.write_job(r, "kids:a", "1", "wait", parentKey="bull:flows:p")
    job = detail(bullmq_backend, "flows", "p")
    refs = [(c.queue, c.id, c.state) for c in job.children]
    assert refs == [
        ("kids:a", "1", None),
        ("kids:a", "2", JobState.COMPLETED),
        ("kids", "3", JobState.FAILED),
        ("kids:a", "4:x", JobState.FAILED),
    ]
    child = detail(bullmq_backend, "kids:a", "1")
    assert (child.parent.queue, child.parent.id) == ("flows", "p")


# -- legacy and corrupt data ---------------------------------------------------------------------


def test_legacy_paused_list(bullmq_backend: Any, redis_url: str) -> None:
    ids = producers.write_legacy_paused(redis_url, "legacy")
    result = page(bullmq_backend, "legacy", JobState.PAUSED)
    assert [job.id for job in result.jobs] == ids
    assert detail(bullmq_backend, "legacy", ids[0]).state is JobState.PAUSED


def test_old_json_quoted_failed_reason(bullmq_backend: Any, redis_url: str) -> None:
    job_id = producers.write_quoted_failure(redis_url, "old-failures")
    job = detail(bullmq_backend, "old-failures", job_id)
    assert job.failed_reason == "boom"
    assert job.attempts_made == 1  # from the older ``attemptsMade`` field
    assert job.stacktrace == ("not json at all",)
    assert any("stacktrace" in problem for problem in job.problems)
    listed = page(bullmq_backend, "old-failures", JobState.FAILED).jobs[0]
    assert listed.failed_reason == "boom"


CORRUPT = {
    "bad-utf8": {"data": b'{"name": "\xff\xfe caf\xe9"}', "name": b"n\xffme"},
    "not-json": {"data": "{not json", "opts": "attempts=3"},
    "bad-numbers": {"timestamp": "yesterday", "atm": "many", "processedOn": "NaN"},
    "huge-time": {"timestamp": "1e300"},
    "missing": {"name": None, "data": None, "opts": None, "timestamp": None},
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_corrupt_hashes_are_shown_with_problems(bullmq_backend: Any, r: Any, case: str) -> None:
    producers.write_queue_keys(r, "corrupt")
    producers.write_job(r, "corrupt", case, "wait", **CORRUPT[case])
    (listed,) = page(bullmq_backend, "corrupt", JobState.WAITING).jobs
    job = detail(bullmq_backend, "corrupt", case)
    for found in (listed, job):
        assert found.id == case and found.state is JobState.WAITING
        assert found.problems, case
    if case == "bad-utf8":
        assert not job.data.utf8 and "\ufffd" in job.data.text
        assert any("UTF-8" in problem for problem in job.problems)
    if case == "not-json":
        assert job.data.text == "{not json" and job.attempts_allowed == 1
    if case == "bad-numbers":
        assert job.created_at is None and job.attempts_made == 0
        assert any("'timestamp'" in problem for problem in job.problems)
    if case == "missing":
        assert job.name == "" and job.data.is_empty
        assert any("'name'" in problem for problem in job.problems)


def test_job_in_no_state_is_guessed(bullmq_backend: Any, r: Any) -> None:
    producers.write_queue_keys(r, "orphans")
    r.hset("bull:orphans:9", mapping=producers.job_hash("9", finishedOn=1, returnvalue="1"))
    job = detail(bullmq_backend, "orphans", "9")
    assert job.state is JobState.COMPLETED
    assert any("no state" in problem for problem in job.problems)


def test_ten_megabyte_payload(bullmq_backend: Any, redis_url: str, r: Any) -> None:
    big = {"blob": "x" * (10 * 1024 * 1024)}
    producers.write_queue_keys(r, "big")
    producers.write_job(r, "big", "1", "wait", data=json.dumps(big))
    size = len(json.dumps(big))
    started = time.monotonic()
    (listed,) = page(bullmq_backend, "big", JobState.WAITING).jobs
    assert listed.data.size == size  # the page carries a preview, but knows the real size
    assert len(listed.data.text) < 100_000 and listed.data.preview(20).startswith('{"blob": "x')
    assert listed.problems == ()
    job = detail(bullmq_backend, "big", "1")
    assert job.data.size == size
    assert time.monotonic() - started < 10


def test_unicode_cut_by_the_preview_is_not_a_problem(bullmq_backend: Any, r: Any) -> None:
    producers.write_queue_keys(r, "wide")
    producers.write_job(r, "wide", "1", "wait", data=json.dumps("é" * 100_000, ensure_ascii=False))
    (listed,) = page(bullmq_backend, "wide", JobState.WAITING).jobs
    assert listed.data.utf8 and listed.problems == ()


def test_long_failure_reason_is_cut_in_pages_only(bullmq_backend: Any, r: Any) -> None:
    reason = "ünïcødé " * 20_000
    producers.write_queue_keys(r, "verbose")
    producers.write_job(r, "verbose", "1", "failed", failedReason=reason, finishedOn=1)
    (listed,) = page(bullmq_backend, "verbose", JobState.FAILED).jobs
    assert listed.problems == ()
    assert reason.startswith(listed.failed_reason[:-1]) and listed.failed_reason.endswith("\u2026")
    assert len(listed.failed_reason) < len(reason)
    assert detail(bullmq_backend, "verbose", "1").failed_reason == reason
