"""The RQ backend reads what real RQ producers and workers wrote: every state, both
serializers, dependencies, retries, a timeout, a stopped and a canceled job, workers."""

from __future__ import annotations

from typing import Any

import pytest

from queues.backends.types import JobQuery
from queues.states import JobState
from tests.fixtures_bullmq import run


def ids(backend: Any, queue: str, state: JobState) -> list[str]:
    page = run(backend, backend.list_jobs(JobQuery(queue=queue, state=state, per_page=50)))
    return [job.id for job in page.jobs]


def test_queues_and_counts_of_every_state(rq_rich: Any) -> None:
    queues = {q.name: q for q in run(rq_rich, rq_rich.list_queues())}
    assert set(queues) == {"json", "pickle"}
    counts = queues["json"].counts
    assert counts[JobState.ACTIVE] == 1
    assert counts[JobState.WAITING] == 1
    assert counts[JobState.DEFERRED] == 1
    assert counts[JobState.DELAYED] == 1
    assert counts[JobState.COMPLETED] == 2  # parent, child
    assert counts[JobState.FAILED] == 3  # retried, timeout, stopped
    assert counts[JobState.CANCELED] == 1
    assert queues["pickle"].counts[JobState.COMPLETED] == 1
    assert queues["pickle"].counts[JobState.FAILED] == 1
    assert not queues["json"].paused


def test_lists_per_state(rq_rich: Any) -> None:
    assert ids(rq_rich, "json", JobState.ACTIVE) == ["running"]
    assert ids(rq_rich, "json", JobState.WAITING) == ["queued"]
    assert ids(rq_rich, "json", JobState.DEFERRED) == ["waits"]
    assert ids(rq_rich, "json", JobState.DELAYED) == ["later"]
    assert ids(rq_rich, "json", JobState.CANCELED) == ["canceled"]
    assert set(ids(rq_rich, "json", JobState.COMPLETED)) == {"parent", "child"}
    assert set(ids(rq_rich, "json", JobState.FAILED)) == {"retried", "timeout", "stopped"}


def test_a_stopped_job_shows_as_stopped_among_the_failed(rq_rich: Any) -> None:
    query = JobQuery(queue="json", state=JobState.FAILED)
    rows = {job.id: job for job in run(rq_rich, rq_rich.list_jobs(query)).jobs}
    assert rows["stopped"].state == JobState.STOPPED
    assert rows["timeout"].state == JobState.FAILED
    assert "JobTimeoutException" in (rows["timeout"].failed_reason or "")
    job = run(rq_rich, rq_rich.get_job("json", "stopped"))
    assert job.state == JobState.STOPPED
    assert job.problems == ()


def test_json_job_detail(rq_rich: Any) -> None:
    job = run(rq_rich, rq_rich.get_job("json", "parent"))
    assert job.state == JobState.COMPLETED
    assert job.name == "tests.rq_jobs.add"
    assert job.data.value == {"args": [1, 2], "kwargs": {}}
    assert job.return_value.value == 3
    assert job.created_at and job.processed_at and job.finished_at
    assert job.children == ()  # RQ forgets a finished job's dependents
    extra = dict(job.extra)
    assert extra["Serializer"] == "json"
    assert "successful" in extra["Results"]
    assert job.worker == "json-burst"


def test_dependencies_and_retries(rq_rich: Any) -> None:
    child = run(rq_rich, rq_rich.get_job("json", "child"))
    assert child.parent is not None and child.parent.id == "parent"
    assert dict(child.extra)["Depends on"] == "parent"
    waits = run(rq_rich, rq_rich.get_job("json", "waits"))
    assert waits.state == JobState.DEFERRED
    retried = run(rq_rich, rq_rich.get_job("json", "retried"))
    assert retried.state == JobState.FAILED
    assert retried.attempts_made >= 1  # RQ keeps what is left of the retries, not their count
    assert "ContractError: flaky" in (retried.failed_reason or "")
    assert dict(retried.extra)["Retries left"] == "0"


def test_pickled_jobs_are_never_unpickled(rq_rich: Any) -> None:
    job = run(rq_rich, rq_rich.get_job("pickle", "pickled-done"))
    assert job.name == "tests.rq_jobs.add"  # from the pickle's opcodes
    assert job.data.opaque == "pickle"
    assert "pickled" in job.data.text and str(job.data.size) in job.data.text
    assert job.return_value.opaque == "pickle"
    assert job.options.opaque == "pickle"  # meta
    assert dict(job.extra)["Description"] == "tests.rq_jobs.add(5, 6)"
    failed = run(rq_rich, rq_rich.get_job("pickle", "pickled-fail"))
    assert "ContractError: pickled boom" in (failed.failed_reason or "")


def test_scheduled_canceled_running(rq_rich: Any) -> None:
    later = run(rq_rich, rq_rich.get_job("json", "later"))
    assert later.state == JobState.DELAYED and later.due_at is not None
    canceled = run(rq_rich, rq_rich.get_job("json", "canceled"))
    assert canceled.state == JobState.CANCELED
    running = run(rq_rich, rq_rich.get_job("json", "running"))
    assert running.state == JobState.ACTIVE
    assert running.worker == "json-steady"
    assert [child.id for child in running.children] == ["waits"]


def test_workers_from_their_records(rq_rich: Any) -> None:
    workers = run(rq_rich, rq_rich.list_workers("json"))
    steady = {w.name: w for w in workers}["json-steady"]
    assert steady.state == "busy"
    assert steady.current_job == "running"
    assert steady.heartbeat_at is not None
    assert steady.pid and steady.pid > 0
    assert steady.successful == 0 and steady.failed == 1  # the stopped job
    assert steady.queues == ("json",)
    assert steady.keeps_record
    assert run(rq_rich, rq_rich.queues_without_workers(["json", "pickle"])) == {"pickle"}


def test_search_and_find_by_id(rq_rich: Any) -> None:
    query = JobQuery(queue="json", state=JobState.FAILED, text="FLAKY")
    page = run(rq_rich, rq_rich.list_jobs(query))
    assert [job.id for job in page.jobs] == ["retried"]
    assert page.searched is not None and page.searched.complete


def test_explicit_queue_list(rq_settings: dict[str, Any], rq_rich: Any, settings: Any) -> None:
    from queues.backends import backends

    entry = {**rq_settings, "OPTIONS": {**rq_settings["OPTIONS"], "queues": ["pickle"]}}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "rq": entry}
    backend = backends["rq"]
    assert [q.name for q in run(backend, backend.list_queues())] == ["pickle"]


@pytest.mark.parametrize(
    "options, fragment",
    [({"url": "redis://127.0.0.1:1/0", "prefix": "x"}, "Unknown option 'prefix'"),
     ({}, "'url' option"),
     ({"url": "redis://127.0.0.1:1/0", "queues": "default"}, "list of names")],
)  # fmt: skip
def test_configuration_errors(options: dict[str, Any], fragment: str) -> None:
    from queues.backends.rq import RQBackend

    backend = RQBackend("rq", {"BACKEND": "queues.backends.rq.RQBackend", "OPTIONS": options})
    assert any(fragment in message.msg for message in backend.check())
