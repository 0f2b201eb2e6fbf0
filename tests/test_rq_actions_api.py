"""RQ actions through the pages and the JSON API: POST with CSRF, permissions checked on the
server, every outcome audited; the jobs are then run by a real ``rq worker``."""

from __future__ import annotations

import time
from typing import Any

import pytest
import redis
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from queues.actions.audit_choices import action_label
from queues.models import AuditEntry
from tests import rq_action_tasks as tasks
from tests.rq_action_helpers import burst, producer, runs, status, where

pytestmark = pytest.mark.django_db(transaction=True)

Q = "api-acts"
PERMISSIONS = ("retry_jobs", "promote_jobs", "remove_jobs", "cancel_jobs", "stop_jobs",
               "clean_queues", "empty_queues", "suspend_workers")  # fmt: skip


def grant(user: Any, *codenames: str) -> Any:
    perms = Permission.objects.filter(content_type__app_label="queues", codename__in=codenames)
    assert perms.count() == len(codenames), codenames
    user.user_permissions.add(*perms)
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def operator(client: Client, staff_user: Any, rq_settings: Any) -> Client:
    client.force_login(grant(staff_user, *PERMISSIONS))
    return client


@pytest.fixture
def failed(redis_url: str) -> list[str]:
    queue = producer(redis_url, Q)
    ids = [queue.enqueue(tasks.fail_once, f"f{n}", job_id=f"f{n}").id for n in range(3)]
    queue.enqueue(tasks.record, "done", job_id="done")
    burst(redis_url, Q)
    return ids


def job_url(job_id: str, action: str) -> str:
    return reverse("queues:api-job-action", args=["rq", Q, job_id, action])


def queue_url(action: str) -> str:
    return reverse("queues:api-queue-action", args=["rq", Q, action])


def entries(**filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(backend="rq", **filters).order_by("created_at"))


def wait_for_run(client: Client, run_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run = client.get(reverse("queues:api-run", args=[run_id])).json()["run"]
        if run["status"] not in ("queued", "running", "cancelling"):
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.05)


def test_retry_by_api_is_audited_and_the_job_really_runs(
    operator: Client, failed: list[str], redis_url: str
):
    response = operator.post(job_url("f0", "retry"))
    assert response.status_code == 200, response.content
    assert response.json()["done_ids"] == ["f0"]
    (entry,) = entries(action="retry")
    assert (entry.outcome, entry.job_ids, entry.username) == ("ok", ["f0"], "staff")
    burst(redis_url, Q)
    assert status(redis_url, "f0") == "finished" and runs(redis_url, "f0") == 2


def test_a_job_that_is_not_failed_is_409_with_its_state(operator: Client, failed: list[str]):
    response = operator.post(job_url("done", "retry"))
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["state"] == "completed"
    assert "no longer failed or stopped; it is now completed" in error["message"]
    assert [e.outcome for e in entries(action="retry")] == ["skipped"]


def test_cancel_and_remove_by_api(operator: Client, redis_url: str):
    queue = producer(redis_url, Q)
    queue.enqueue(tasks.record, "c", job_id="c")
    queue.enqueue(tasks.record, "r", job_id="r")
    assert operator.post(job_url("c", "cancel")).status_code == 200
    assert where(redis_url, Q, "c") == ["canceled"]
    assert operator.post(job_url("r", "remove")).status_code == 200
    assert not redis.Redis.from_url(redis_url).exists("rq:job:r")
    assert [e.action for e in entries()] == ["cancel", "remove"]
    assert action_label("cancel") == "Cancel" and action_label("stop") == "Stop"


def test_selection_reports_done_and_skipped(operator: Client, failed: list[str]):
    url = reverse("queues:api-selection", args=["rq", Q, "retry"])
    response = operator.post(url, {"ids": ["f1", "done"]}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["done_ids"] == ["f1"] and [s["id"] for s in body["skipped"]] == ["done"]


def test_without_the_permission_it_is_403_and_audited(
    client: Client, django_user_model: Any, rq_settings: Any, redis_url: str
):
    producer(redis_url, Q).enqueue(tasks.record, "keep", job_id="keep")
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(grant(viewer, "retry_jobs"))
    response = client.post(job_url("keep", "cancel"))
    assert response.status_code == 403
    assert "queues.cancel_jobs" in response.json()["error"]["message"]
    assert [e.outcome for e in entries(action="cancel")] == ["refused"]
    assert status(redis_url, "keep") == "queued"


def test_pause_is_refused_rq_suspends_all_workers_instead(operator: Client, failed: list[str]):
    response = operator.post(queue_url("pause"))
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "RQ cannot pause."
    suspended = operator.post(queue_url("suspend-workers"))
    assert suspended.status_code == 200, suspended.content
    assert suspended.json()["paused"] is True
    assert operator.post(queue_url("resume-workers")).json()["paused"] is False
    assert [e.action for e in entries(outcome="ok")] == ["suspend-workers", "resume-workers"]
    assert "Every worker of RQ suspended" in entries(action="suspend-workers")[0].message


def test_retry_all_runs_in_batches_and_the_jobs_run(
    operator: Client, failed: list[str], redis_url: str, settings: Any
):
    settings.QUEUEBOARD = {"BULK_BATCH_SIZE": 2}
    response = operator.post(queue_url("retry-all"), {"state": "failed"})
    assert response.status_code == 202, response.content
    run = wait_for_run(operator, response.json()["run"]["id"])
    assert (run["status"], run["done"]) == ("finished", 3)
    burst(redis_url, Q)
    assert all(status(redis_url, job_id) == "finished" for job_id in failed)


def test_pages_post_with_csrf_and_say_what_was_done(
    staff_user: Any, rq_settings: Any, failed: list[str], redis_url: str
):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(grant(staff_user, *PERMISSIONS))
    page = reverse("queues:job", args=["rq", Q, "f2"])
    action = reverse("queues:job-action", args=["rq", Q, "f2", "retry"])
    assert strict.post(action).status_code == 403  # no CSRF token
    assert status(redis_url, "f2") == "failed"
    html = strict.get(page).content.decode()
    assert action in html  # the Retry button of a failed job
    token = strict.cookies["csrftoken"].value
    response = strict.post(action, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "Job f2 retried." in strict.get(response["Location"]).content.decode()
    burst(redis_url, Q)
    assert status(redis_url, "f2") == "finished"


def test_the_queue_page_suspends_and_resumes_all_workers(
    operator: Client, failed: list[str], redis_url: str
):
    page = reverse("queues:queue", args=["rq", Q])
    suspend = reverse("queues:queue-action", args=["rq", Q, "suspend-workers"])
    html = operator.get(page).content.decode()
    assert suspend in html and "Suspend all workers" in html and ">Pause<" not in html
    response = operator.post(suspend)
    assert response.status_code == 302
    html = operator.get(response["Location"]).content.decode()
    assert "Every worker of RQ suspended, in all queues." in html
    assert "Resume all workers" in html
    assert redis.Redis.from_url(redis_url).exists("rq:suspended")
    operator.post(reverse("queues:queue-action", args=["rq", Q, "resume-workers"]))
    assert not redis.Redis.from_url(redis_url).exists("rq:suspended")
