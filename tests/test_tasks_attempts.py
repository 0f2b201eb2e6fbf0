"""A Django Tasks job page says how many runs began: each worker that took the task left its
id in the result row (django-tasks-db's ``worker_ids``), so a running task reads "1 attempt
started" before its run finishes, as a BullMQ job does."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests import sample_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def attempts_of(client: Any, queue: str, job_id: str) -> str:
    body = client.get(reverse("queues:job", args=["tasks", queue, job_id])).content.decode()
    start = body.index('<dd id="job-attempts">') + len('<dd id="job-attempts">')
    return body[start : body.index("</dd>", start)]


def test_runs_begun_are_the_attempts_started(tasks_settings: Any, staff_client: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    waiting = sample_tasks.add.using(queue_name="attempts").enqueue(1, 1)
    assert attempts_of(staff_client, "attempts", str(waiting.id)) == "0 attempts started"
    DBTaskResult.objects.get(id=waiting.id).claim("worker-a")  # what db_worker does on pickup
    assert attempts_of(staff_client, "attempts", str(waiting.id)) == "1 attempt started"
    page = staff_client.get(reverse("queues:queue", args=["tasks", "attempts"]) + "?state=active")
    row = page.content.decode()
    assert 'title="1 attempt started">0</td>' in row  # none finished yet, one begun
