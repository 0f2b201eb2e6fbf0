"""Failure groups of an RQ queue whose failures a real ``rq worker`` wrote, and a group retry."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from queues.actions.failure_groups import group_params
from queues.backends.actions import QueueAction
from queues.backends.rq import failures
from queues.failure_groups import group_step, read_groups
from tests import rq_action_tasks as tasks
from tests import rq_jobs
from tests.rq_action_helpers import burst, producer, run, where

pytestmark = pytest.mark.django_db(transaction=True)

Q = "causes"


def fail_twelve(redis_url: str) -> dict[str, list[str]]:
    """Twelve jobs of three causes, failed by a real worker; their ids by cause."""
    queue = producer(redis_url, Q)
    causes: dict[str, list[str]] = {"fail": [], "fail_once": [], "contract": []}
    for n in range(4):
        causes["fail"].append(queue.enqueue(tasks.fail, f"order-{n * 17}").id)
        causes["fail_once"].append(queue.enqueue(tasks.fail_once, f"sync-{n + 3}").id)
        message = f"card {4000 + n} declined for 'user-{n}'"
        causes["contract"].append(queue.enqueue(rq_jobs.fail, message).id)
    burst(redis_url, Q)
    return causes


def test_real_rq_failures_group_by_cause_and_a_group_retry_moves_only_it(
    rq_backend: Any, redis_url: str
) -> None:
    causes = fail_twelve(redis_url)

    found = run(rq_backend, read_groups(rq_backend, Q))
    assert found.scanned == 12 and found.complete
    by_cause = {group.cause: group for group in found.groups}
    assert set(by_cause) == {
        "RuntimeError: order-<n> failed on purpose",
        "RuntimeError: sync-<n> fails its first run",
        "tests.rq_jobs.ContractError: card <n> declined for <value>",
    }
    assert sorted(group.count for group in found.groups) == [4, 4, 4]
    names = {tuple(group.job_names) for group in found.groups}
    assert names == {
        ("tests.rq_action_tasks.fail",),
        ("tests.rq_action_tasks.fail_once",),
        ("tests.rq_jobs.fail",),
    }
    retried = next(g for g in found.groups if g.job_names == ["tests.rq_action_tasks.fail_once"])
    assert retried.frame == "File <value>, line <n>, in fail_once"

    before = redis.Redis.from_url(redis_url).zrange(f"rq:failed:{Q}", 0, -1)
    params = group_params(retried.key)
    outcome = run(rq_backend, group_step(rq_backend, Q, QueueAction.RETRY_GROUP, params, 100))
    assert outcome.done == 4 and outcome.finished
    for cause, ids in causes.items():
        expected = ["queue"] if cause == "fail_once" else ["failed"]
        assert all(where(redis_url, Q, job_id) == expected for job_id in ids), cause
    assert len(before) == 12
    burst(redis_url, Q)  # the retried jobs now succeed: only two groups are left
    left = run(rq_backend, read_groups(rq_backend, Q))
    assert sorted(group.count for group in left.groups) == [4, 4]


def test_the_window_is_read_in_slices_under_the_first_slices_newest_score(
    rq_backend: Any, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_twelve(redis_url)
    whole = run(rq_backend, rq_backend.failed_rows(Q, 100))
    monkeypatch.setattr(failures, "SLICE_JOBS", 5)
    sliced = run(rq_backend, rq_backend.failed_rows(Q, 100))
    assert sliced == whole and len(whole.rows) == 12 and whole.complete
    part = run(rq_backend, rq_backend.failed_rows(Q, 7))
    assert part.rows == whole.rows[:7] and not part.complete
    exact = run(rq_backend, rq_backend.failed_rows(Q, 12))
    assert exact.rows == whole.rows and exact.complete
    found = run(rq_backend, read_groups(rq_backend, Q))
    assert found.scanned == 12 and sorted(group.count for group in found.groups) == [4, 4, 4]
