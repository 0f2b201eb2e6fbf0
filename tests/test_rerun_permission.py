"""Re-running completed jobs needs its own permission, ``queues.rerun_completed_jobs``.

``queues.retry_jobs`` let a user re-run every completed job of a queue in bulk (and any one of
them, or a selection of a thousand at a time). Retrying failed jobs still needs only
``retry_jobs``; re-running a job that succeeded (one, a selection, or all of a queue's) needs
``rerun_completed_jobs`` as well, and the buttons follow.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse

from queues.models import AuditEntry
from tests import bullmq_producers as producers
from tests.actions_helpers import grant, queue_action, selection, wait_for_run
from tests.fixtures_bullmq import where_jobs_are, write_finished_jobs

pytestmark = pytest.mark.django_db(transaction=True)

Q = "reruns"


@pytest.fixture
def jobs(bullmq_settings: Any, redis_url: str) -> dict[str, list[str]]:
    """Failed jobs 1-3 of queue "done", completed jobs 1-3 of queue "reruns"."""
    failed = write_finished_jobs(redis_url, "done", 3, state="failed")
    completed = write_finished_jobs(redis_url, Q, 3, state="completed")
    return {"failed": failed, "completed": completed}


@pytest.fixture
def retrier(staff_user: Any) -> Client:
    client = Client()
    client.force_login(grant(staff_user, "retry_jobs"))
    return client


@pytest.fixture
def rerunner(django_user_model: Any) -> Client:
    user = django_user_model.objects.create_user("rerunner", password="pw", is_staff=True)
    client = Client()
    client.force_login(grant(user, "retry_jobs", "rerun_completed_jobs"))
    return client


def retry_url(queue: str, job_id: str) -> str:
    return reverse("queues:api-job-action", args=["bullmq", queue, job_id, "retry"])


def test_the_permission_exists_and_superusers_have_it(django_user_model: Any) -> None:
    from django.contrib.auth.models import Permission

    permission = Permission.objects.get(
        content_type__app_label="queues", codename="rerun_completed_jobs"
    )
    assert permission.name == "Can re-run completed jobs"
    root = django_user_model.objects.create_superuser("root", password="pw")
    assert root.has_perm("queues.rerun_completed_jobs")


def test_retrying_all_completed_jobs_needs_it(
    retrier: Client, rerunner: Client, jobs: dict[str, list[str]], redis_url: str
) -> None:
    refused = queue_action(retrier, "bullmq", Q, "retry-all", state="completed")
    assert refused.status_code == 403
    assert "queues.rerun_completed_jobs" in refused.json()["error"]["message"]
    confirm = reverse("queues:queue-action", args=["bullmq", Q, "retry-all"])
    assert retrier.get(confirm, {"state": "completed"}).status_code == 403
    assert all(where == ["completed"] for where in where_jobs_are(redis_url, Q).values())
    entry = AuditEntry.objects.get(action="retry-all", outcome="refused")
    assert "queues.rerun_completed_jobs" in entry.message
    # Retrying failed jobs in bulk needs only retry_jobs, as before.
    failed = queue_action(retrier, "bullmq", "done", "retry-all", state="failed")
    assert failed.status_code == 202
    assert wait_for_run(retrier, failed.json()["run"]["id"])["done"] == 3
    # With the permission: the confirmation, then the run.
    assert rerunner.get(confirm, {"state": "completed"}).status_code == 200
    started = queue_action(rerunner, "bullmq", Q, "retry-all", state="completed")
    assert started.status_code == 202
    assert wait_for_run(rerunner, started.json()["run"]["id"])["done"] == 3


def test_retrying_one_completed_job_needs_it(
    retrier: Client, rerunner: Client, jobs: dict[str, list[str]], redis_url: str
) -> None:
    first, second = jobs["completed"][:2]
    refused = retrier.post(retry_url(Q, first))
    assert refused.status_code == 403
    assert "queues.rerun_completed_jobs" in refused.json()["error"]["message"]
    assert where_jobs_are(redis_url, Q)[first] == ["completed"]
    page = reverse("queues:job-action", args=["bullmq", Q, second, "retry"])
    assert retrier.post(page).status_code == 403
    assert where_jobs_are(redis_url, Q)[second] == ["completed"]
    assert retrier.post(retry_url("done", jobs["failed"][0])).status_code == 200
    assert rerunner.post(retry_url(Q, first)).status_code == 200
    assert where_jobs_are(redis_url, Q)[first] == ["wait"]


def test_a_selection_retries_only_the_failed_jobs_without_it(
    retrier: Client, rerunner: Client, bullmq_settings: Any, redis_url: str
) -> None:
    write_finished_jobs(redis_url, "mixed", 2, state="failed")  # ids 1, 2
    r = redis.Redis.from_url(redis_url)
    try:
        for job_id in ("c1", "c2"):
            producers.write_job(r, "mixed", job_id, "completed", finishedOn=1, returnvalue="1")
    finally:
        r.close()
    body = selection(retrier, "bullmq", "mixed", "retry", ["1", "c1"]).json()
    assert body["done_ids"] == ["1"]
    assert [(s["id"], s["state"]) for s in body["skipped"]] == [("c1", "completed")]
    assert "only failed jobs" in body["skipped"][0]["reason"]
    assert where_jobs_are(redis_url, "mixed")["c1"] == ["completed"]
    body = selection(rerunner, "bullmq", "mixed", "retry", ["2", "c2"]).json()
    assert sorted(body["done_ids"]) == ["2", "c2"]


def buttons(html: str) -> list[str]:
    return re.findall(r'<(?:button|a)[^>]*class="qb-button[^"]*"[^>]*>([^<]+)<', html)


def test_the_buttons_follow_the_permission(
    retrier: Client, rerunner: Client, jobs: dict[str, list[str]]
) -> None:
    job = reverse("queues:job", args=["bullmq", Q, jobs["completed"][0]])
    queue = reverse("queues:queue", args=["bullmq", Q])
    seen = {
        who: (
            buttons(client.get(job).content.decode()),
            buttons(client.get(queue, {"state": "completed"}).content.decode()),
        )
        for who, client in (("retrier", retrier), ("rerunner", rerunner))
    }
    assert "Retry" not in seen["retrier"][0] and "Retry" in seen["rerunner"][0]
    assert "Retry selected" not in seen["retrier"][1]
    assert "Retry selected" in seen["rerunner"][1]
    assert "Re-run completed" not in seen["retrier"][1]
    assert "Re-run completed" in seen["rerunner"][1]
    failed_job = reverse("queues:job", args=["bullmq", "done", jobs["failed"][0]])
    assert "Retry" in buttons(retrier.get(failed_job).content.decode())
