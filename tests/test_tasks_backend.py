"""The Django Tasks backend reading rows that the real framework and db_worker wrote."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from queues.backends.django_tasks import DjangoTasksBackend, failure_reason
from queues.backends.errors import JobNotFound, QueueNotFound
from queues.backends.types import JobQuery
from queues.states import JobState
from tests import sample_tasks
from tests.contract import ContractEnv
from tests.fixtures_tasks import TASKS_BACKEND, run_worker

W, D, A, C, F = (
    JobState.WAITING,
    JobState.DELAYED,
    JobState.ACTIVE,
    JobState.COMPLETED,
    JobState.FAILED,
)


def jobs(backend: Any, queue: str, state: JobState, page: int = 1, per_page: int = 20) -> Any:
    return async_to_sync(backend.list_jobs)(JobQuery(queue, state, page, per_page))


def job(backend: Any, queue: str, job_id: str) -> Any:
    return async_to_sync(backend.get_job)(queue, job_id)


def test_declares_read_only_capabilities(tasks_backend: Any) -> None:
    assert isinstance(tasks_backend, DjangoTasksBackend)
    assert tasks_backend.kind == "django-tasks"
    assert tasks_backend.states == (A, W, D, C, F)
    reading = ("logs", "progress", "flows", "pause", "workers")
    assert not any(tasks_backend.capabilities()[name] for name in reading)


def test_list_queues_counts_every_state_in_one_query(
    tasks_contract_env: ContractEnv, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        queues = async_to_sync(tasks_contract_env.backend.list_queues)()
    assert [q.name for q in queues] == ["contract"]
    assert queues[0].counts == {A: 0, W: 4, D: 2, C: 3, F: 2}
    assert queues[0].total == 11


def test_get_queue_and_unknown_queue(tasks_contract_env: ContractEnv) -> None:
    backend = tasks_contract_env.backend
    assert async_to_sync(backend.get_queue)("contract").counts == {A: 0, W: 4, D: 2, C: 3, F: 2}
    with pytest.raises(QueueNotFound):
        async_to_sync(backend.get_queue)("nope")
    with pytest.raises(QueueNotFound):
        jobs(backend, "nope", W)
    with pytest.raises(QueueNotFound):
        job(backend, "nope", tasks_contract_env.ids[W][0])


@pytest.mark.parametrize("state", [W, D, C, F, A])
def test_list_jobs_in_natural_order(tasks_contract_env: ContractEnv, state: JobState) -> None:
    page = jobs(tasks_contract_env.backend, "contract", state)
    assert [j.id for j in page.jobs] == tasks_contract_env.ids[state]
    assert page.total == len(tasks_contract_env.ids[state])
    assert {j.state for j in page.jobs} <= {state}


def test_pages_use_limit_offset_and_one_count(
    tasks_contract_env: ContractEnv, django_assert_num_queries: Any
) -> None:
    backend, expected = tasks_contract_env.backend, tasks_contract_env.ids[W]
    with django_assert_num_queries(2):
        first = jobs(backend, "contract", W, page=1, per_page=3)
    second = jobs(backend, "contract", W, page=2, per_page=3)
    assert [j.id for j in first.jobs] == expected[:3]
    assert [j.id for j in second.jobs] == expected[3:]
    assert (first.total, first.pages, first.has_next, second.has_next) == (4, 2, True, False)
    beyond = jobs(backend, "contract", W, page=5, per_page=3)
    assert (beyond.jobs, beyond.total) == ([], 4)


def test_state_without_rows_or_not_held_is_an_empty_page(tasks_contract_env: ContractEnv) -> None:
    assert jobs(tasks_contract_env.backend, "contract", A).total == 0
    assert jobs(tasks_contract_env.backend, "contract", JobState.PRIORITIZED).jobs == []


def test_delayed_only_while_run_after_is_ahead(tasks_backend: Any) -> None:
    now = timezone.now()
    past = sample_tasks.add.using(run_after=now - timedelta(minutes=1)).enqueue(1, 1)
    plain = sample_tasks.add.enqueue(2, 2)
    future = sample_tasks.add.using(run_after=now + timedelta(minutes=5)).enqueue(3, 3)
    assert [j.id for j in jobs(tasks_backend, "default", W).jobs] == [str(plain.id), str(past.id)]
    (delayed,) = jobs(tasks_backend, "default", D).jobs
    assert delayed.id == str(future.id)
    assert delayed.due_at == future.task.run_after == now + timedelta(minutes=5)
    assert job(tasks_backend, "default", str(past.id)).due_at is None


def test_running_rows_are_active_newest_start_first(tasks_backend: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    first, second = sample_tasks.add.enqueue(1, 2), sample_tasks.add.enqueue(3, 4)
    for result, worker in ((first, "w-a"), (second, "w-b")):
        DBTaskResult.objects.get(id=result.id).claim(worker)  # what db_worker does on pickup
    page = jobs(tasks_backend, "default", A)
    assert [j.id for j in page.jobs] == [str(second.id), str(first.id)]
    detail = job(tasks_backend, "default", str(second.id))
    # Its run begun (its worker's id) and not finished: one attempt started, none made.
    assert (detail.state, detail.worker, detail.attempts_made) == (A, "w-b", 0)
    assert detail.attempts_started == 1
    assert detail.processed_at is not None and detail.finished_at is None


def test_completed_job_detail(tasks_contract_env: ContractEnv) -> None:
    backend = tasks_contract_env.backend
    detail = job(backend, "contract", tasks_contract_env.ids[C][0])  # add(40, 2), run last
    assert (detail.state, detail.name, detail.queue, detail.backend) == (
        C,
        "add",
        "contract",
        "tasks",
    )
    assert detail.data.value == {"args": [40, 2], "kwargs": {}}
    assert detail.return_value.value == 42
    assert (detail.attempts_made, detail.worker, detail.priority) == (1, "contract-worker", 0)
    assert detail.attempts_started == 1
    assert detail.created_at <= detail.processed_at <= detail.finished_at
    assert detail.duration_seconds is not None
    assert detail.failed_reason is None and detail.stacktrace == ()
    facts = dict(detail.extra)
    assert facts["Task path"] == "tests.sample_tasks.add"
    assert facts["Worker ids"] == "contract-worker"
    assert "Run after" not in facts


def test_failed_job_detail_has_reason_and_traceback(tasks_contract_env: ContractEnv) -> None:
    backend = tasks_contract_env.backend
    for job_id in tasks_contract_env.ids[F]:
        detail = job(backend, "contract", job_id)
        assert detail.state is F and detail.name == "fail"
        assert "ContractError: boom" in detail.failed_reason
        (trace,) = detail.stacktrace
        assert trace.startswith("Traceback") and "ContractError" in trace
        assert detail.return_value.is_empty
        assert dict(detail.extra)["Exception"] == "tests.sample_tasks.ContractError"
    (summary, _) = jobs(backend, "contract", F).jobs
    assert summary.failed_reason == "tests.sample_tasks.ContractError: boom"


def test_chained_failure_reports_the_outer_exception(tasks_backend: Any) -> None:
    result = sample_tasks.fail_chained.enqueue()
    run_worker("default")
    detail = job(tasks_backend, "default", str(result.id))
    assert detail.failed_reason == "tests.sample_tasks.ContractError: outer"
    assert "KeyError" in detail.stacktrace[0]


def test_waiting_and_delayed_details(tasks_contract_env: ContractEnv) -> None:
    backend = tasks_contract_env.backend
    hostile = job(backend, "contract", tasks_contract_env.ids[W][2])
    assert hostile.data.value == {"args": [], "kwargs": {"note": "<script>alert(1)</script>"}}
    assert "<script>alert(1)</script>" in hostile.data.text  # escaping is the templates' job
    assert (hostile.processed_at, hostile.worker, hostile.attempts_made) == (None, None, 0)
    assert job(backend, "contract", tasks_contract_env.ids[W][1]).priority == 10
    delayed = job(backend, "contract", tasks_contract_env.ids[D][0])
    assert delayed.state is D and delayed.due_at is not None
    assert dict(delayed.extra)["Run after"] == delayed.due_at.isoformat()


@pytest.mark.parametrize("bad_id", ["", "nope", "123", "../etc/passwd", "1" * 40, "None"])
def test_malformed_ids_are_not_found(tasks_contract_env: ContractEnv, bad_id: str) -> None:
    with pytest.raises(JobNotFound):
        job(tasks_contract_env.backend, "contract", bad_id)


def test_missing_or_misplaced_ids_are_not_found(tasks_contract_env: ContractEnv) -> None:
    backend = tasks_contract_env.backend
    with pytest.raises(JobNotFound):
        job(backend, "contract", "00000000-0000-0000-0000-000000000000")
    elsewhere = sample_tasks.add.enqueue(1, 1)
    with pytest.raises(JobNotFound):
        job(backend, "contract", str(elsewhere.id))
    assert job(backend, "default", elsewhere.id.replace("-", "").upper()).id == str(elsewhere.id)


def test_declared_queues_show_while_empty(tasks_backend: Any, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": TASKS_BACKEND, "QUEUES": ["default", "empty"]}}
    sample_tasks.add.enqueue(1, 1)
    queues = {q.name: q for q in async_to_sync(tasks_backend.list_queues)()}
    assert sorted(queues) == ["default", "empty"]
    assert queues["empty"].total == 0 and queues["default"].counts[W] == 1
    assert async_to_sync(tasks_backend.get_queue)("empty").total == 0
    assert jobs(tasks_backend, "empty", W).total == 0


def test_only_rows_of_the_configured_task_backend(tasks_backend: Any, settings: Any) -> None:
    entry = {"BACKEND": TASKS_BACKEND, "QUEUES": []}
    settings.TASKS = {"default": entry, "other": entry}
    mine = sample_tasks.add.enqueue(1, 1)
    theirs = sample_tasks.add.using(backend="other", queue_name="theirs").enqueue(2, 2)
    assert [q.name for q in async_to_sync(tasks_backend.list_queues)()] == ["default"]
    other = DjangoTasksBackend("o", {"OPTIONS": {"task_backend": "other"}})
    assert [q.name for q in async_to_sync(other.list_queues)()] == ["theirs"]
    assert [j.id for j in jobs(other, "theirs", W).jobs] == [str(theirs.id)]
    with pytest.raises(QueueNotFound):
        job(other, "default", str(mine.id))


def test_damaged_arguments_are_reported(tasks_backend: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    result = sample_tasks.add.enqueue(1, 1)
    DBTaskResult.objects.filter(id=result.id).update(args_kwargs=["not", "the", "shape"])
    detail = job(tasks_backend, "default", str(result.id))
    assert detail.data.value == ["not", "the", "shape"]
    assert len(detail.problems) == 1 and "args" in detail.problems[0]


@pytest.mark.parametrize(
    ("path", "trace", "expected"),
    [
        ("builtins.ValueError", "Traceback...\nValueError: bad\n", "ValueError: bad"),
        ("a.B", "Traceback...\na.B: first\nline two\n", "a.B: first"),
        ("a.B", "Traceback...\na.B\n", "a.B"),
        ("a.B", "something else\n", "a.B: something else"),
        ("a.B", "", "a.B"),
        ("", "only text\n", "only text"),
        ("", "", None),
    ],
)
def test_failure_reason(path: str, trace: str, expected: str | None) -> None:
    assert failure_reason(path, trace) == expected
