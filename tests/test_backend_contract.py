"""One contract every backend meets, run against each through its ``*_contract_env`` fixture."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync

from queues.backends.errors import JobNotFound, QueueNotFound
from queues.backends.types import JobDetail, JobPage, JobQuery
from queues.states import JobState
from tests.contract import ContractEnv

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["bullmq", "tasks", "rq", "celery"])
def env(request: pytest.FixtureRequest) -> ContractEnv:
    return request.getfixturevalue(f"{request.param}_contract_env")


def run(coroutine_function: Any, *args: Any) -> Any:
    return async_to_sync(coroutine_function)(*args)


def page(env: ContractEnv, state: JobState, page: int = 1, per_page: int = 20) -> JobPage:
    query = JobQuery(queue=env.queue, state=state, page=page, per_page=per_page)
    return run(env.backend.list_jobs, query)


def test_list_queues_counts_every_state(env: ContractEnv) -> None:
    queues = {q.name: q for q in run(env.backend.list_queues)}
    summary = queues[env.queue]
    assert summary.backend == env.backend.alias
    for state, ids in env.ids.items():
        assert summary.counts[state] == len(ids), state
    assert set(summary.counts) == set(env.backend.states)


def test_get_queue_matches_list(env: ContractEnv) -> None:
    one = run(env.backend.get_queue, env.queue)
    listed = {q.name: q for q in run(env.backend.list_queues)}[env.queue]
    assert one.counts == listed.counts
    assert one.paused == listed.paused


def test_unknown_queue(env: ContractEnv) -> None:
    with pytest.raises(QueueNotFound):
        run(env.backend.get_queue, "no-such-queue")
    with pytest.raises(QueueNotFound):
        page_query = JobQuery(queue="no-such-queue", state=JobState.WAITING)
        run(env.backend.list_jobs, page_query)


@pytest.mark.parametrize(
    "state", [JobState.WAITING, JobState.DELAYED, JobState.COMPLETED, JobState.FAILED]
)
def test_jobs_come_in_natural_order(env: ContractEnv, state: JobState) -> None:
    result = page(env, state)
    assert [job.id for job in result.jobs] == env.listed(state)
    assert all(job.state == state for job in result.jobs)
    assert all(job.queue == env.queue and job.backend == env.backend.alias for job in result.jobs)
    if state in env.backend.counted_only:  # counted, not listed: the count and the reason
        assert result.total == len(env.ids[state]) and result.unlisted
    elif state in env.backend.states:
        assert result.total == len(env.ids[state]) and result.unlisted is None
    else:
        assert result.total == 0


def test_pagination_is_by_page(env: ContractEnv) -> None:
    waiting = env.listed(JobState.WAITING)
    second = page(env, JobState.WAITING, page=2, per_page=2)
    assert [job.id for job in second.jobs] == waiting[2:4]
    assert second.total == len(env.ids[JobState.WAITING])
    assert second.pages == (len(env.ids[JobState.WAITING]) + 1) // 2
    beyond = page(env, JobState.WAITING, page=50, per_page=2)
    assert beyond.jobs == []
    assert beyond.total == len(env.ids[JobState.WAITING])


def test_delayed_jobs_have_a_due_time_in_order(env: ContractEnv) -> None:
    jobs = page(env, JobState.DELAYED).jobs
    assert len(jobs) == len(env.listed(JobState.DELAYED))
    due = [job.due_at for job in jobs]
    assert all(due)
    assert due == sorted(due)  # type: ignore[type-var]


def test_failed_job_detail(env: ContractEnv) -> None:
    job: JobDetail = run(env.backend.get_job, env.queue, env.readable(JobState.FAILED)[0])
    assert job.state == JobState.FAILED
    assert "ContractError: boom" in (job.failed_reason or "")
    assert any("ContractError" in line for line in job.stacktrace)
    assert job.finished_at is not None
    assert job.attempts_made >= 1


def test_completed_job_detail(env: ContractEnv) -> None:
    job: JobDetail = run(env.backend.get_job, env.queue, env.readable(JobState.COMPLETED)[0])
    assert job.state == JobState.COMPLETED
    assert (job.created_at is not None) is ("created_at" not in env.without)
    assert job.finished_at is not None
    assert not job.return_value.is_empty


def test_hostile_data_is_kept_literally(env: ContractEnv) -> None:
    """In a waiting row, or where waiting jobs are only counted, in a job read by id."""
    waiting = page(env, JobState.WAITING).jobs
    read = [run(env.backend.get_job, env.queue, i) for ids in env.by_id.values() for i in ids]
    assert any("<script>alert(1)</script>" in job.data.text for job in [*waiting, *read])


def test_missing_job(env: ContractEnv) -> None:
    with pytest.raises(JobNotFound):
        run(env.backend.get_job, env.queue, "00000000-0000-0000-0000-000000000000")
    with pytest.raises(JobNotFound):
        run(env.backend.get_job, env.queue, "not a valid id <>")


def test_capabilities_are_declared(env: ContractEnv) -> None:
    capabilities = env.backend.capabilities()
    assert set(capabilities) >= {"retry", "promote", "pause", "clean", "logs", "workers"}
    assert all(isinstance(value, bool) for value in capabilities.values())
    assert env.backend.states
