"""Queues written by Node bullmq 6.7.0 (tests/node/produce.mjs), read by the backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from queues.backends.types import JobQuery
from queues.states import JobState
from tests.fixtures_bullmq import run

pytestmark = pytest.mark.node


def page(backend: Any, queue: str, state: JobState) -> Any:
    return run(backend, backend.list_jobs(JobQuery(queue, state)))


def detail(backend: Any, queue: str, job_id: str) -> Any:
    return run(backend, backend.get_job(queue, job_id))


@pytest.fixture
def node_basic(node_produce: Any) -> dict[str, list[str]]:
    return node_produce("basic")


def test_counts(bullmq_backend: Any, node_basic: Any) -> None:
    (summary,) = run(bullmq_backend, bullmq_backend.list_queues())
    assert summary.name == "node-basic" and not summary.paused
    for state, ids in node_basic.items():
        assert summary.counts[JobState(state)] == len(ids), state


@pytest.mark.parametrize("state", ["waiting", "delayed", "prioritized", "completed", "failed"])
def test_natural_order(bullmq_backend: Any, node_basic: Any, state: str) -> None:
    jobs = page(bullmq_backend, "node-basic", JobState(state)).jobs
    assert [job.id for job in jobs] == node_basic[state]
    assert all(job.problems == () for job in jobs)


def test_failed_job(bullmq_backend: Any, node_basic: Any) -> None:
    job = detail(bullmq_backend, "node-basic", node_basic["failed"][0])
    assert job.state is JobState.FAILED
    assert job.failed_reason == "node boom 4"
    assert job.stacktrace and job.stacktrace[0].startswith("TypeError: node boom 4")
    assert job.worker == "node-worker"
    assert job.attempts_made == 1 and job.attempts_allowed == 1
    assert job.logs == ("started 4",)
    assert job.progress.value == {"step": 1, "of": 2}
    assert job.problems == ()


def test_completed_job(bullmq_backend: Any, node_basic: Any) -> None:
    job = detail(bullmq_backend, "node-basic", node_basic["completed"][0])
    assert job.state is JobState.COMPLETED
    assert job.return_value.value == {"doubled": 6}
    assert job.progress_percent == 100.0
    assert job.logs == ("started 3", "finished 3") and job.log_count == 2


def test_custom_id_and_attempts(bullmq_backend: Any, node_basic: Any) -> None:
    job = detail(bullmq_backend, "node-basic", "custom-id-1")
    assert job.state is JobState.WAITING
    assert job.attempts_allowed == 3 and job.attempts_made == 0
    assert job.options.value["attempts"] == 3


def test_delayed_and_prioritized(bullmq_backend: Any, node_basic: Any) -> None:
    delayed = page(bullmq_backend, "node-basic", JobState.DELAYED).jobs
    now = datetime.now(UTC)
    assert timedelta(minutes=55) < delayed[0].due_at - now < timedelta(minutes=65)
    one = detail(bullmq_backend, "node-basic", node_basic["delayed"][0])
    assert one.due_at == delayed[0].due_at
    prioritized = page(bullmq_backend, "node-basic", JobState.PRIORITIZED).jobs
    assert [job.priority for job in prioritized] == [1, 5]
    assert detail(bullmq_backend, "node-basic", node_basic["prioritized"][0]).priority == 1


def test_flow(bullmq_backend: Any, node_produce: Any) -> None:
    flow = node_produce("flow")
    parent = detail(bullmq_backend, "node-parents", flow["parent"])
    assert parent.state is JobState.WAITING_CHILDREN
    assert len(flow["parent"]) == 36  # a UUID
    children = {c.id: c for c in parent.children}
    assert sorted(children) == flow["children"]
    assert {c.queue for c in parent.children} == {"node-children"}
    assert sorted(str(c.state) for c in parent.children) == ["None", "completed"]
    for child_id in flow["children"]:
        child = detail(bullmq_backend, "node-children", child_id)
        assert (child.parent.queue, child.parent.id) == ("node-parents", flow["parent"])
    (listed,) = page(bullmq_backend, "node-parents", JobState.WAITING_CHILDREN).jobs
    assert listed.id == flow["parent"]


def test_job_scheduler(bullmq_backend: Any, node_produce: Any) -> None:
    (job_id,) = node_produce("scheduler")["delayed"]
    job = detail(bullmq_backend, "node-sched", job_id)
    assert job.state is JobState.DELAYED
    assert ("Job scheduler", "nightly") in job.extra
    assert job.due_at is not None and job.due_at.hour == 3 and job.due_at > datetime.now(UTC)
    assert job.name == "nightly-report" and job.data.value == {"kind": "report"}
    discovered = [q.name for q in run(bullmq_backend, bullmq_backend.list_queues())]
    assert discovered == ["node-sched"]  # the scheduler's own keys are not queues
