"""Reading one BullMQ job in one script call (``lua/job.lua``): what the job page shows of the
job's keys, when a key holds something unexpected and when the job sits in two states."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from queues.states import JobState
from tests import bullmq_producers as producers
from tests.fixtures_bullmq import run


@pytest.fixture
def r(redis_url: str) -> Any:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def detail(backend: Any, queue: str, job_id: str) -> Any:
    return run(backend, backend.get_job(queue, job_id))


def test_a_job_in_two_states_is_shown_in_the_first_and_said_so(bullmq_backend: Any, r: Any) -> None:
    producers.write_queue_keys(r, "twice")
    producers.write_job(r, "twice", "7", "failed", finishedOn=1_700_000_000_000)
    r.lpush("bull:twice:wait", "7")
    job = detail(bullmq_backend, "twice", "7")
    assert job.state is JobState.WAITING  # display order: waiting before failed
    assert any("several states at once: waiting, failed" in p for p in job.problems)


def test_a_related_key_of_another_type_is_a_problem_not_a_failure(
    bullmq_backend: Any, r: Any
) -> None:
    producers.write_queue_keys(r, "odd-keys")
    producers.write_job(r, "odd-keys", "3", "completed", finishedOn=1_700_000_000_000)
    r.set("bull:odd-keys:3:logs", "not a list")
    r.set("bull:odd-keys:3:processed", "not a hash")
    job = detail(bullmq_backend, "odd-keys", "3")
    assert job.state is JobState.COMPLETED and job.name == "job-3"
    assert job.logs == () and job.log_count == 0 and job.children == ()
    unreadable = [p for p in job.problems if p.startswith("A related key could not be read")]
    assert unreadable and all("WRONGTYPE" in p for p in unreadable)


def test_a_state_key_of_another_type_is_a_problem(bullmq_backend: Any, r: Any) -> None:
    producers.write_queue_keys(r, "odd-state")
    producers.write_job(r, "odd-state", "4", "delayed", timestamp=1_700_000_000_000)
    r.set("bull:odd-state:active", "not a list")
    job = detail(bullmq_backend, "odd-state", "4")
    assert job.state is JobState.DELAYED
    assert any("WRONGTYPE" in p for p in job.problems)


def test_children_of_every_kind_and_no_logs_asked(
    bullmq_backend: Any, r: Any, settings: Any
) -> None:
    settings.QUEUEBOARD = {"LOG_LINES": 0}
    producers.write_queue_keys(r, "parents")
    producers.write_queue_keys(r, "kids")
    producers.write_job(r, "parents", "p", "waiting-children")
    r.sadd("bull:parents:p:dependencies", "bull:kids:1")
    r.hset("bull:parents:p:processed", "bull:kids:2", '"done"')
    r.hset("bull:parents:p:failed", "bull:kids:3", "boom")
    r.zadd("bull:parents:p:unsuccessful", {"bull:kids:4": 1})
    r.rpush("bull:parents:p:logs", "one", "two")
    job = detail(bullmq_backend, "parents", "p")
    assert job.state is JobState.WAITING_CHILDREN
    assert job.logs == () and job.log_count == 2
    assert [(c.queue, c.id, c.state) for c in job.children] == [
        ("kids", "1", None),
        ("kids", "2", JobState.COMPLETED),
        ("kids", "3", JobState.FAILED),
        ("kids", "4", JobState.FAILED),
    ]
    assert job.problems == ()
