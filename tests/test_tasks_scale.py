"""The Django Tasks backend on big result tables: reads through the ``queue_name`` index, counts
of big queues kept and refreshed in the background (``queues/backends/django_tasks/kept.py``),
exact counts for what a user acts on, and kept counts forgotten after each change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.utils import timezone

from queues.backends.actions import JobAction, QueueAction, QueueActionParams
from queues.backends.django_tasks import kept
from queues.backends.django_tasks.rows import QUEUE_STATUS, state_filter
from queues.backends.types import JobQuery
from queues.states import JobState
from tests import sample_tasks
from tests.fixtures_tasks import run_worker

W, D, A, C, F = (
    JobState.WAITING,
    JobState.DELAYED,
    JobState.ACTIVE,
    JobState.COMPLETED,
    JobState.FAILED,
)


@pytest.fixture
def backend(tasks_backend: Any) -> Iterator[Any]:
    tasks_backend.kept.forget()
    yield tasks_backend
    tasks_backend.kept.wait()
    tasks_backend.kept.forget()


@pytest.fixture
def big(monkeypatch: pytest.MonkeyPatch) -> None:
    """Queues of 3 rows or more count as big; kept answers are never refreshed unless asked."""
    monkeypatch.setattr(kept, "KEEP_ROWS", 3)
    monkeypatch.setattr(kept, "REFRESH_AFTER", 3600.0)


def seed(queue: str = "scale") -> dict[str, list[str]]:
    """2 failed, 1 completed and 2 waiting tasks of ``queue``, run by the real worker."""
    on = sample_tasks.fail.using(queue_name=queue)
    failed = [on.enqueue(), on.enqueue("boom")]
    done = [sample_tasks.add.using(queue_name=queue).enqueue(1, 2)]
    run_worker(queue, worker_id="scale-worker")
    waiting = [sample_tasks.add.using(queue_name=queue).enqueue(n, n) for n in range(2)]
    return {
        "failed": [str(r.id) for r in failed],
        "completed": [str(r.id) for r in done],
        "waiting": [str(r.id) for r in waiting],
    }


def counts(backend: Any, queue: str = "scale") -> dict[JobState, int]:
    return dict(async_to_sync(backend.get_queue)(queue).counts)


def overview(backend: Any, queue: str = "scale") -> dict[JobState, int]:
    (found,) = [q for q in async_to_sync(backend.list_queues)() if q.name == queue]
    return dict(found.counts)


def page(backend: Any, state: JobState, queue: str = "scale") -> Any:
    return async_to_sync(backend.list_jobs)(JobQuery(queue, state, 1, 20))


@pytest.mark.parametrize("state", [W, D, A, C, F])
def test_a_queue_is_read_through_its_queue_name_index(backend: Any, state: JobState) -> None:
    """SQLite keeps no statistics: the backend's name and the status are compared so that it
    cannot pick the ``backend_name`` index (every row) or the READY rows of every queue."""
    assert connection.vendor == "sqlite"
    rows = backend._queue_rows("scale").filter(state_filter(state, timezone.now(), QUEUE_STATUS))
    for query in (rows, rows.order_by("-enqueued_at")[:20]):
        plan = query.explain()
        assert "USING INDEX django_task_queue_n" in plan, plan
        assert "backend" not in plan and "tasks_db_new_ordering_idx" not in plan, plan


def test_small_queues_are_read_exactly_every_time(backend: Any) -> None:
    seed()
    assert counts(backend) == {A: 0, W: 2, D: 0, C: 1, F: 2}
    sample_tasks.add.using(queue_name="scale").enqueue(5, 5)  # as another process would
    assert counts(backend) == {A: 0, W: 3, D: 0, C: 1, F: 2}
    assert overview(backend)[W] == 3 and page(backend, W).total == 3
    assert not backend.kept.is_kept(("queue", "scale"))
    assert not backend.kept.is_kept(("queues",))


def test_big_queue_counts_are_kept_then_refreshed_in_the_background(
    backend: Any, big: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed()
    assert counts(backend) == overview(backend) == {A: 0, W: 2, D: 0, C: 1, F: 2}
    assert [job.id for job in page(backend, F).jobs]  # kept with its queue's counts
    assert backend.kept.is_kept(("jobs", "scale", F, 0, 20))
    added = sample_tasks.add.using(queue_name="scale").enqueue(5, 5)  # a worker's process
    assert counts(backend)[W] == overview(backend)[W] == page(backend, W).total == 2
    # Once older than REFRESH_AFTER, a read answers at once and asks the background thread.
    monkeypatch.setattr(kept, "REFRESH_AFTER", 0.0)
    assert counts(backend)[W] == 2
    backend.kept.wait()
    # The queue's counts are the overview's kept ones: one background read for both.
    assert counts(backend)[W] == page(backend, W).total == overview(backend)[W] == 3
    assert str(added.id) in [job.id for job in page(backend, W).jobs]


def test_a_kept_answer_too_old_is_read_again_in_the_request(
    backend: Any, big: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed()
    assert counts(backend)[W] == 2
    sample_tasks.add.using(queue_name="scale").enqueue(5, 5)
    monkeypatch.setattr(kept, "MAX_AGE", 0.0)
    assert counts(backend)[W] == 3


def test_what_a_user_acts_on_is_counted_exactly(backend: Any, big: None) -> None:
    seed()
    assert counts(backend)[F] == 2
    on = sample_tasks.fail.using(queue_name="scale")
    on.enqueue()
    run_worker("scale", worker_id="scale-worker")  # 3 failed now, 3 completed
    assert counts(backend)[F] == 2  # the kept count
    retry_all = QueueActionParams()
    assert async_to_sync(backend.count_for)("scale", QueueAction.RETRY_ALL, retry_all) == 3
    clean = QueueActionParams(state=C)
    assert async_to_sync(backend.count_for)("scale", QueueAction.CLEAN, clean) == 3


def test_actions_and_changes_forget_kept_counts(backend: Any, big: None) -> None:
    ids = seed()
    assert counts(backend) == {A: 0, W: 2, D: 0, C: 1, F: 2}
    outcome = async_to_sync(backend.act_on_jobs)("scale", JobAction.RETRY, ids["failed"][:1])
    assert outcome.done == 1
    assert counts(backend) == overview(backend) == {A: 0, W: 3, D: 0, C: 1, F: 1}
    assert page(backend, F).total == 1
    step = async_to_sync(backend.queue_step)(
        "scale", QueueAction.CLEAN, QueueActionParams(state=C), 100
    )
    assert step.done == 1
    assert counts(backend) == overview(backend) == {A: 0, W: 3, D: 0, C: 0, F: 1}
    later = timezone.now() + timedelta(hours=1)
    promote = async_to_sync(backend.act_on_jobs)("scale", JobAction.PROMOTE, ids["waiting"][:1])
    assert promote.done == 0  # a waiting task is not delayed: nothing changed
    assert counts(backend)[D] == 0
    sample_tasks.add.using(queue_name="scale", run_after=later).enqueue(9, 9)
    assert counts(backend)[D] == 0  # added by another process: kept until refreshed
    async_to_sync(backend.edit_job_data)("scale", ids["waiting"][0], {"args": [7, 7]})
    assert counts(backend) == {A: 0, W: 3, D: 1, C: 0, F: 1}


def test_reads_started_before_a_change_are_not_kept(backend: Any, big: None) -> None:
    """A refresh that read the rows before an action must not put its answer back after it."""
    seed()
    assert counts(backend)[F] == 2
    generation = backend.kept._generation
    backend.kept.forget()
    backend.kept._store(("queue", "scale"), {F: 99}, 0.0, None, generation, True)
    assert not backend.kept.is_kept(("queue", "scale"))
    assert counts(backend)[F] == 2


def test_small_queues_beside_a_big_one_are_counted_exactly_in_the_overview(
    backend: Any, big: None
) -> None:
    seed()
    sample_tasks.add.using(queue_name="tiny").enqueue(1, 1)
    assert overview(backend, "tiny")[W] == 1 and overview(backend)[W] == 2
    assert backend.kept.is_kept(("queues",))
    sample_tasks.add.using(queue_name="tiny").enqueue(2, 2)  # as another process would
    sample_tasks.add.using(queue_name="scale").enqueue(3, 3)
    assert overview(backend, "tiny")[W] == 2  # under KEEP_ROWS: read exactly
    assert overview(backend)[W] == 2  # the kept count of the big queue


def test_kept_answers_are_bounded_oldest_dropped_first(
    backend: Any, big: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed()
    monkeypatch.setattr(kept, "MAX_ENTRIES", 3)
    assert counts(backend)[F] == 2
    for state in (W, C, F):
        assert page(backend, state).total
    assert not backend.kept.is_kept(("queue", "scale"))  # the oldest of the four
    assert all(backend.kept.is_kept(("jobs", "scale", s, 0, 20)) for s in (W, C, F))
    assert counts(backend)[F] == 2  # read again, exactly
