"""Redaction of Django Tasks' arguments and results: a task enqueued through the framework
with secrets among its keyword arguments, run by the real db_worker."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.actions_helpers import grant
from tests.fixtures_tasks import run_worker

SECRET = "Tk9Sekret"
Q = "vault"


@pytest.fixture
def task_ids(tasks_backend: Any) -> dict[str, str]:
    from tests import sample_tasks

    echo = sample_tasks.echo.using(queue_name=Q)
    done = echo.enqueue("ada", password=f"{SECRET}-pw", auth={"api_key": f"{SECRET}-key"})
    run_worker(Q, worker_id="redaction-worker")
    waiting = echo.enqueue("bob", Secret=f"{SECRET}-waiting")
    return {"completed": str(done.id), "waiting": str(waiting.id)}


def surfaces(ids: dict[str, str]) -> list[str]:
    urls = []
    for job_id in ids.values():
        page = reverse("queues:job", args=["tasks", Q, job_id])
        urls += [f"{page}?tab={tab}" for tab in ("data", "options", "logs", "timeline")]
        urls.append(reverse("queues:api-job", args=["tasks", Q, job_id]))
        urls += [
            reverse("queues:job-download", args=["tasks", Q, job_id, field])
            for field in ("data", "return-value")
        ]
    for state in ("completed", "waiting"):
        urls.append(f"{reverse('queues:queue', args=['tasks', Q])}?state={state}")
        urls.append(f"{reverse('queues:api-jobs', args=['tasks', Q])}?state={state}")
    return urls


def test_task_arguments_and_results_are_masked_and_not_searchable(
    task_ids: dict[str, str], staff_user: Any, django_user_model: Any
) -> None:
    masked = Client()
    masked.force_login(staff_user)
    for url in surfaces(task_ids):
        response = masked.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url
    api = reverse("queues:api-jobs", args=["tasks", Q])
    for state in ("completed", "waiting"):
        assert masked.get(api, {"state": state, "q": SECRET}).json()["total"] == 0
    assert masked.get(api, {"state": "completed", "q": "ada"}).json()["total"] == 1
    job = masked.get(reverse("queues:api-job", args=["tasks", Q, task_ids["completed"]])).json()
    assert "[redacted]" in json.dumps(job["job"]["data"]) and "ada" in json.dumps(
        job["job"]["data"]
    )

    auditor = django_user_model.objects.create_user("auditor", password="pw", is_staff=True)
    unmasked = Client()
    unmasked.force_login(grant(auditor, "view_unredacted"))
    shown = "".join(unmasked.get(url).content.decode() for url in surfaces(task_ids))
    for spelling in ("pw", "key", "waiting"):
        assert f"{SECRET}-{spelling}" in shown
    assert unmasked.get(api, {"state": "waiting", "q": SECRET}).json()["total"] == 1
