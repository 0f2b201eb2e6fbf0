"""Failure groups of Django Tasks: failures the real db_worker recorded, grouped in one query,
and a group retry touching only its group."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from queues.failure_groups import read_groups
from tests.fixtures_tasks import run_worker
from tests.test_bullmq_actions_api import grant, wait_for_run

Q = "causes"


def _fail(message: str) -> Any:
    from tests import sample_tasks

    return sample_tasks.fail.using(queue_name=Q).enqueue(message)


@pytest.fixture
def causes(tasks_settings: Any) -> list[list[str]]:
    """A hundred failures of three causes (messages differing in ids, e-mails, UUIDs, numbers
    and quoted values), run by the real ``db_worker``."""
    ids: list[list[str]] = [[], [], []]
    for n in range(100):
        message = [
            f"User {n} not found (u{n}@example.com)",
            f"Payment {n:08x}-0000-4000-8000-{n:012d} declined: amount {n}.5 for 'acct-{n}'",
            f"Timeout after {n * 17}ms reading 0x{n * 4099:x}",
        ][n % 3]
        ids[n % 3].append(str(_fail(message).id))
    run_worker(Q, worker_id="causes-worker")
    return ids


def test_hundred_failures_group_into_three(tasks_backend: Any, causes: Any) -> None:
    import asyncio

    found = asyncio.run(read_groups(tasks_backend, Q))
    assert found.scanned == 100 and found.complete
    assert {g.cause: g.count for g in found.groups} == {
        "tests.sample_tasks.ContractError: User <n> not found (<email>)": 34,
        "tests.sample_tasks.ContractError: Payment <uuid> declined: amount <n> for <value>": 33,
        "tests.sample_tasks.ContractError: Timeout after <n>ms reading <hex>": 33,
    }
    for group in found.groups:
        assert group.job_names == ["fail"]
        assert group.frame.endswith("in fail") and group.frame.startswith("File ")
        assert any(group.sample_job_id in ids for ids in causes)


def test_window_and_group_retry(
    client: Client, staff_user: Any, causes: Any, settings: Any, tasks_backend: Any
) -> None:
    client.force_login(grant(staff_user, "retry_jobs"))
    url = reverse("queues:api-failure-groups", args=["tasks", Q])
    settings.QUEUEBOARD = {"FAILURE_GROUPS_SCAN": 7}
    small = client.get(url).json()
    assert small["scanned"] == 7 and small["complete"] is False
    settings.QUEUEBOARD = {"BULK_BATCH_SIZE": 10}
    groups = client.get(url).json()["groups"]
    target = next(g for g in groups if "User" in g["cause"])
    action = reverse("queues:api-failure-group-action", args=["tasks", Q, target["key"], "retry"])
    answer = client.post(action)
    assert answer.status_code == 202, answer.content
    run = wait_for_run(client, answer.json()["run"]["id"])
    assert run["status"] == "finished" and run["done"] == 34
    after = {g["cause"]: g["count"] for g in client.get(url).json()["groups"]}
    assert not any("User" in cause for cause in after) and len(after) == 2
    from django_tasks_db.models import DBTaskResult

    statuses = set(DBTaskResult.objects.filter(id__in=causes[0]).values_list("status", flat=True))
    assert statuses == {"READY"}
    others = DBTaskResult.objects.filter(id__in=causes[1] + causes[2])
    assert set(others.values_list("status", flat=True)) == {"FAILED"}
