"""Adding and changing Django tasks: enqueued by path through the framework and run by the real
``db_worker``; unknown paths refused; edits under a row lock; pages for add and edit."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from queues.models import AuditEntry
from tests.actions_helpers import grant
from tests.fixtures_tasks import run_worker

Q = "board-added"


@pytest.fixture
def editor(client: Client, staff_user: Any, tasks_backend: Any) -> Client:
    client.force_login(grant(staff_user, "add_jobs", "edit_jobs"))
    return client


def add(client: Client, body: Any) -> Any:
    url = reverse("queues:api-jobs", args=["tasks", Q])
    return client.post(url, body, content_type="application/json")


def rows() -> Any:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(queue_name=Q)


def _first_queue_job(editor: Client) -> str:
    """Queues of Django Tasks exist once a task is in them: seed one through the framework."""
    from tests import sample_tasks

    return str(sample_tasks.add.using(queue_name=Q).enqueue(1, 1).id)


def test_add_an_existing_task_and_the_worker_runs_it(editor: Client) -> None:
    _first_queue_job(editor)
    body = {"name": "tests.sample_tasks.add", "data": {"args": [2], "kwargs": {"b": 40}}}
    response = add(editor, body)
    assert response.status_code == 201, response.content
    job = response.json()["job"]
    assert job["state"] == "waiting" and job["data"] == {"args": [2], "kwargs": {"b": 40}}
    run_worker(Q)
    row = rows().get(pk=job["id"])
    assert (row.status, row.return_value) == ("SUCCESSFUL", 42)
    assert AuditEntry.objects.get(action="add-job").job_ids == [job["id"]]


def test_add_with_delay_and_priority(editor: Client) -> None:
    _first_queue_job(editor)
    body = {
        "name": "tests.sample_tasks.echo",
        "data": {"args": [], "kwargs": {}},
        "options": {"delay": 3_600_000, "priority": 10},
    }
    job = add(editor, body).json()["job"]
    assert job["state"] == "delayed" and job["priority"] == 10


@pytest.mark.parametrize(
    ("name", "data", "options", "field"),
    [
        ("tests.sample_tasks.nothing_here", {"args": []}, {}, "name"),
        ("tests.sample_tasks.ContractError", {"args": []}, {}, "name"),
        ("os.system", {"args": ["true"]}, {}, "name"),
        ("no such module", {"args": []}, {}, "name"),
        ("tests.sample_tasks.add", [1, 2], {}, "data"),
        ("tests.sample_tasks.add", {"args": []}, {"priority": 500}, "priority"),
        ("tests.sample_tasks.add", {"args": []}, {"attempts": 2}, "attempts"),
    ],
)
def test_refused_before_anything_is_enqueued(
    editor: Client, name: str, data: Any, options: Any, field: str
) -> None:
    _first_queue_job(editor)
    before = rows().count()
    response = add(editor, {"name": name, "data": data, "options": options})
    assert response.status_code == 400, response.content
    assert field in [e["field"] for e in response.json()["error"]["errors"]]
    assert rows().count() == before


def test_edit_arguments_then_the_worker_runs_with_them(editor: Client) -> None:
    job_id = _first_queue_job(editor)
    url = reverse("queues:api-job-edit", args=["tasks", Q, job_id])
    response = editor.post(url, {"data": {"args": [20, 22]}}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["before"] == {"args": [1, 1], "kwargs": {}}
    run_worker(Q)
    assert rows().get(pk=job_id).return_value == 42
    finished = editor.post(url, {"data": {"args": [0, 0]}}, content_type="application/json")
    assert finished.status_code == 409 and finished.json()["error"]["state"] == "completed"


def test_reschedule_a_delayed_task(editor: Client) -> None:
    from tests import sample_tasks

    later = datetime.now(UTC) + timedelta(hours=2)
    job_id = str(sample_tasks.add.using(queue_name=Q, run_after=later).enqueue(1, 2).id)
    url = reverse("queues:api-job-reschedule", args=["tasks", Q, job_id])
    when = datetime.now(UTC) + timedelta(hours=5)
    response = editor.post(url, {"run_at": when.isoformat()}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert abs(rows().get(pk=job_id).run_after - when) < timedelta(seconds=1)


def test_no_priority_change_for_tasks(editor: Client) -> None:
    job_id = _first_queue_job(editor)
    url = reverse("queues:api-job-priority", args=["tasks", Q, job_id])
    response = editor.post(url, {"priority": 3}, content_type="application/json")
    assert response.status_code == 403 and "cannot change priorities" in response.content.decode()


# -- pages ---------------------------------------------------------------------------------------


def test_add_page_form_and_error_shown_escaped(editor: Client) -> None:
    _first_queue_job(editor)
    url = reverse("queues:add-job", args=["tasks", Q])
    page = editor.get(url)
    assert page.status_code == 200 and b"Task (import path)" in page.content
    hostile = "<script>alert(1)</script>"
    response = editor.post(url, {"name": hostile, "data": "{}"})
    assert response.status_code == 200 and b"job-form-errors" in response.content
    assert hostile.encode() not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content
    response = editor.post(url, {"name": "tests.sample_tasks.add", "data": '{"args": [1, 2]}'})
    assert response.status_code == 302
    run_worker(Q)
    assert rows().filter(return_value=3).exists()


def test_duplicate_prefills_the_form(editor: Client) -> None:
    job_id = _first_queue_job(editor)
    page = editor.get(reverse("queues:add-job", args=["tasks", Q]), {"from": job_id})
    text = page.content.decode()
    assert page.status_code == 200 and 'value="tests.sample_tasks.add"' in text
    box = re.search(r'<textarea name="data"[^>]*>(.*?)</textarea>', text, re.S)
    assert box is not None
    assert json.loads(html.unescape(box.group(1))) == {"args": [1, 1], "kwargs": {}}


def test_edit_page_saves(editor: Client) -> None:
    job_id = _first_queue_job(editor)
    url = reverse("queues:job-edit", args=["tasks", Q, job_id])
    assert editor.get(url).status_code == 200
    response = editor.post(url, {"data": '{"args": [5, 5]}'})
    assert response.status_code == 302
    assert rows().get(pk=job_id).args_kwargs == {"args": [5, 5], "kwargs": {}}
    bad = editor.post(url, {"data": "{not json"})
    assert bad.status_code == 200 and b"not valid JSON" in bad.content


def test_buttons_follow_permissions(client: Client, staff_user: Any, tasks_backend: Any) -> None:
    job_id = _first_queue_job(client)
    client.force_login(staff_user)
    queue_page = client.get(reverse("queues:queue", args=["tasks", Q])).content
    job_page = client.get(reverse("queues:job", args=["tasks", Q, job_id])).content
    assert b"Add job" not in queue_page and b"Edit data" not in job_page
    client.force_login(grant(staff_user, "add_jobs", "edit_jobs"))
    queue_page = client.get(reverse("queues:queue", args=["tasks", Q])).content
    job_page = client.get(reverse("queues:job", args=["tasks", Q, job_id])).content
    assert b"Add job" in queue_page and b"Edit data" in job_page and b"Duplicate" in job_page
    assert b"Change priority" not in job_page  # Django Tasks cannot
