"""Adding and changing BullMQ jobs through the API, on queues written by the Python and Node
bullmq packages, processed afterwards by real workers; refusals, schema errors and races."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from bullmq import Queue, Worker
from django.test import Client
from django.urls import reverse

from queues.models import AuditEntry
from tests import bullmq_producers as producers
from tests.actions_helpers import grant
from tests.fixtures_bullmq import where_jobs_are

pytestmark = pytest.mark.django_db(transaction=True)

Q = "py-basic"


def add_url(queue: str = Q) -> str:
    return reverse("queues:api-jobs", args=["bullmq", queue])


def change_url(job_id: str, change: str, queue: str = Q) -> str:
    return reverse(f"queues:api-job-{change}", args=["bullmq", queue, job_id])


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def py_queue(bullmq_settings: Any, redis_url: str) -> dict[str, list[str]]:
    return asyncio.run(producers.seed_python_queue(redis_url, Q))


@pytest.fixture
def editor(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, "add_jobs", "edit_jobs"))
    return client


async def _run_worker(url: str, queue_name: str, job_ids: list[str]) -> dict[str, Any]:
    """A Python bullmq worker returning each job's data; the data each job was run with."""

    async def processor(job: Any, token: str) -> Any:
        return {"seen": job.data}

    queue = Queue(queue_name, producers.opts(url))
    worker = Worker(queue_name, processor, {**producers.opts(url), "drainDelay": 1})
    seen: dict[str, Any] = {}
    try:
        async with asyncio.timeout(20):
            while len(seen) < len(job_ids):
                for job_id in job_ids:
                    job = await queue.getJob(job_id)
                    if job is not None and job.finishedOn:
                        seen[job_id] = (job.returnvalue or {}).get("seen")
                await asyncio.sleep(0.05)
    finally:
        await worker.close(force=True)
        await queue.close()
    return seen


def run_worker(url: str, queue_name: str, job_ids: list[str]) -> dict[str, Any]:
    return asyncio.run(_run_worker(url, queue_name, job_ids))


# -- add -----------------------------------------------------------------------------------------


def test_add_a_job_and_a_worker_runs_it(editor: Client, py_queue: Any, redis_url: str) -> None:
    body = {"name": "sent-by-board", "data": {"to": "a@example.com", "n": 7}, "options": {}}
    response = post(editor, add_url(), body)
    assert response.status_code == 201, response.content
    job = response.json()["job"]
    assert (job["name"], job["state"]) == ("sent-by-board", "waiting")
    assert job["data"] == body["data"]
    assert run_worker(redis_url, Q, [job["id"]]) == {job["id"]: body["data"]}
    (entry,) = AuditEntry.objects.filter(action="add-job")
    assert (entry.outcome, entry.job_ids) == ("ok", [job["id"]])
    assert entry.params["after"]["data"] == body["data"] and entry.params["before"] is None


def test_add_with_every_option(editor: Client, py_queue: Any, redis_url: str) -> None:
    options = {
        "delay": 3_600_000,
        "attempts": 4,
        "backoff": {"type": "exponential", "delay": 500},
        "jobId": "board-job-1",
        "lifo": True,
        "removeOnComplete": 10,
        "removeOnFail": False,
    }
    response = post(editor, add_url(), {"name": "later", "data": {}, "options": options})
    assert response.status_code == 201, response.content
    job = response.json()["job"]
    assert (job["id"], job["state"]) == ("board-job-1", "delayed")
    named = job["named_options"]
    assert named["attempts"] == 4 and named["backoff"] == {"type": "exponential", "delay": 500}
    assert named["removeOnComplete"] == 10 and named["lifo"] is True
    prioritized = post(editor, add_url(), {"name": "p", "data": {}, "options": {"priority": 7}})
    assert prioritized.json()["job"]["state"] == "prioritized"
    # The same id again: refused, the first job kept.
    again = post(
        editor, add_url(), {"name": "x", "data": {"y": 1}, "options": {"jobId": "board-job-1"}}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_add_to_a_node_queue_and_a_node_worker_runs_it(
    editor: Client, bullmq_settings: Any, node_produce: Any, node_worker: Any, redis_url: str
) -> None:
    node_produce("basic")
    response = post(editor, add_url("node-basic"), {"name": "from-board", "data": {"fail": False}})
    assert response.status_code == 201, response.content
    job_id = response.json()["job"]["id"]
    node_worker("node-basic", concurrency=5)
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    deadline = datetime.now(UTC) + timedelta(seconds=20)
    while r.zscore("bull:node-basic:completed", job_id) is None:
        assert datetime.now(UTC) < deadline, where_jobs_are(redis_url, "node-basic").get(job_id)
    assert json.loads(r.hget(f"bull:node-basic:{job_id}", "returnvalue")) == {"ok": job_id}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"data": {}}, "name"),
        ({"name": "x", "options": {"delay": -1}}, "delay"),
        ({"name": "x", "options": {"priority": 2**22}}, "priority"),
        ({"name": "x", "options": {"backoff": {"type": "linear"}}}, "backoff"),
        ({"name": "x", "options": {"jobId": "12"}}, "jobId"),
        ({"name": "x", "options": {"jobId": "a:b"}}, "jobId"),
        ({"name": "x", "options": {"colour": "red"}}, "colour"),
    ],
)
def test_invalid_jobs_are_refused_before_anything_is_sent(
    editor: Client, py_queue: Any, redis_url: str, body: dict[str, Any], field: str
) -> None:
    before = where_jobs_are(redis_url, Q)
    response = post(editor, add_url(), body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_job"
    assert [e["field"] for e in error["errors"]] == [field]
    assert where_jobs_are(redis_url, Q) == before


def test_a_queue_schema_validates_the_data(
    editor: Client, py_queue: Any, settings: Any, bullmq_settings: Any
) -> None:
    schema = {
        "type": "object",
        "required": ["to"],
        "properties": {"to": {"type": "string", "format": "email"}, "n": {"type": "integer"}},
    }
    entry = dict(bullmq_settings)
    entry["OPTIONS"] = {**entry["OPTIONS"], "job_schemas": {Q: schema}}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    from queues.backends import backends

    assert [m for m in backends["bullmq"].check() if "job_schemas" in m.msg] == []
    response = post(editor, add_url(), {"name": "mail", "data": {"n": "seven"}})
    assert response.status_code == 400
    errors = response.json()["error"]["errors"]
    assert {(e["field"], e["message"]) for e in errors} == {
        ("data", "'to' is a required property"),
        ("data.n", "'seven' is not of type 'integer'"),
    }
    assert post(editor, add_url(), {"name": "mail", "data": {"to": "a@b.c"}}).status_code == 201


# -- refusals ------------------------------------------------------------------------------------


def test_add_and_edit_need_their_permissions(
    client: Client, staff_user: Any, py_queue: Any, redis_url: str
) -> None:
    client.force_login(grant(staff_user, "retry_jobs"))
    before = where_jobs_are(redis_url, Q)
    response = post(client, add_url(), {"name": "x", "data": {}})
    assert response.status_code == 403
    assert "queues.add_jobs" in response.json()["error"]["message"]
    waiting = py_queue["waiting"][0]
    edit = post(client, change_url(waiting, "edit"), {"data": {"n": 1}})
    assert edit.status_code == 403 and "queues.edit_jobs" in edit.json()["error"]["message"]
    assert where_jobs_are(redis_url, Q) == before
    assert AuditEntry.objects.filter(outcome="refused").count() == 2


def test_permission_is_checked_before_the_input(
    client: Client, staff_user: Any, py_queue: Any
) -> None:
    client.force_login(staff_user)
    response = post(client, add_url(), {"name": "", "data": {}, "options": {"colour": 1}})
    assert response.status_code == 403


@pytest.mark.parametrize("key", ["READ_ONLY", "READ_ONLY_QUEUES"])
def test_read_only_backend_or_queue_refuses(
    editor: Client, py_queue: Any, settings: Any, bullmq_settings: Any, key: str
) -> None:
    entry = dict(bullmq_settings)
    entry[key] = True if key == "READ_ONLY" else [Q]
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    assert post(editor, add_url(), {"name": "x", "data": {}}).status_code == 403
    job_id = py_queue["delayed"][0]
    when = (datetime.now(UTC) + timedelta(hours=5)).isoformat()
    assert post(editor, change_url(job_id, "reschedule"), {"run_at": when}).status_code == 403


def test_csrf_is_required(staff_user: Any, py_queue: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(grant(staff_user, "add_jobs", "edit_jobs"))
    assert post(client, add_url(), {"name": "x", "data": {}}).status_code == 403
    job_id = py_queue["waiting"][0]
    assert post(client, change_url(job_id, "edit"), {"data": {}}).status_code == 403


def test_get_on_the_jobs_url_still_lists(editor: Client, py_queue: Any) -> None:
    response = editor.get(add_url(), {"state": "waiting"})
    assert response.status_code == 200 and response.json()["total"] == 3


# -- edit ----------------------------------------------------------------------------------------


def test_edit_waiting_data_and_the_worker_sees_it(
    editor: Client, py_queue: Any, redis_url: str
) -> None:
    job_id = py_queue["waiting"][0]
    response = post(editor, change_url(job_id, "edit"), {"data": {"n": 100, "edited": True}})
    assert response.status_code == 200, response.content
    assert response.json()["before"] == {"n": 2} and response.json()["state"] == "waiting"
    (entry,) = AuditEntry.objects.filter(action="edit-data")
    assert entry.params["before"] == {"n": 2} and entry.params["after"]["edited"] is True
    seen = run_worker(redis_url, Q, py_queue["waiting"])
    assert seen[job_id] == {"n": 100, "edited": True}


def test_edit_node_written_jobs_in_each_unstarted_state(
    editor: Client, bullmq_settings: Any, node_produce: Any, redis_url: str
) -> None:
    ids = node_produce("basic")
    for state in ("waiting", "delayed", "prioritized", "failed"):
        job_id = ids[state][0]
        response = post(editor, change_url(job_id, "edit", "node-basic"), {"data": {"s": state}})
        assert response.status_code == 200, (state, response.content)
        assert response.json()["state"] == state
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    assert json.loads(r.hget(f"bull:node-basic:{ids['failed'][0]}", "data")) == {"s": "failed"}
    completed = ids["completed"][0]
    refused = post(editor, change_url(completed, "edit", "node-basic"), {"data": {}})
    assert refused.status_code == 409 and refused.json()["error"]["state"] == "completed"


def test_edit_of_a_running_job_is_refused_and_nothing_written(
    editor: Client, py_queue: Any, redis_url: str
) -> None:
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    job_id = py_queue["waiting"][0]
    r.lrem(f"bull:{Q}:wait", 0, job_id)  # as moveToActive does
    r.lpush(f"bull:{Q}:active", job_id)
    response = post(editor, change_url(job_id, "edit"), {"data": {"lost": True}})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["state"] == "active" and "can no longer be edited" in error["message"]
    assert json.loads(r.hget(f"bull:{Q}:{job_id}", "data")) == {"n": 2}
    assert AuditEntry.objects.get(action="edit-data").outcome == "skipped"


def test_edit_racing_a_worker(editor: Client, bullmq_settings: Any, redis_url: str) -> None:
    """Edits sent while a worker takes the jobs: each either lands before the worker reads
    the job (the worker sees the new data) or is refused with 409 (it sees the old data)."""
    ids = asyncio.run(producers.add_jobs(redis_url, "race-edit", 40))

    async def race() -> dict[str, Any]:
        task = asyncio.create_task(_run_worker(redis_url, "race-edit", ids))
        await asyncio.sleep(0.05)
        return await task

    import threading

    answers: dict[str, int] = {}

    def edit_all() -> None:
        for job_id in ids:
            response = post(
                editor, change_url(job_id, "edit", "race-edit"), {"data": {"e": job_id}}
            )
            answers[job_id] = response.status_code

    thread = threading.Thread(target=edit_all)
    thread.start()
    seen = asyncio.run(race())
    thread.join()
    assert set(answers.values()) <= {200, 409}
    for n, job_id in enumerate(ids):
        expected = {"e": job_id} if answers[job_id] == 200 else {"n": n}
        assert seen[job_id] == expected, (job_id, answers[job_id])


def test_missing_job_is_404(editor: Client, py_queue: Any) -> None:
    response = post(editor, change_url("no-such", "edit"), {"data": {}})
    assert response.status_code == 404 and response.json()["error"]["code"] == "job_not_found"


# -- reschedule, priority, children --------------------------------------------------------------


def test_reschedule_a_delayed_job(editor: Client, py_queue: Any, redis_url: str) -> None:
    job_id = py_queue["delayed"][0]
    when = datetime.now(UTC) + timedelta(seconds=1)
    response = post(editor, change_url(job_id, "reschedule"), {"run_at": when.isoformat()})
    assert response.status_code == 200, response.content
    before = datetime.fromisoformat(response.json()["before"])
    assert before > datetime.now(UTC) + timedelta(minutes=50)
    # Due in a second: a worker runs it soon (it promotes due delayed jobs).
    assert job_id in run_worker(redis_url, Q, [job_id])
    waiting = py_queue["waiting"][0]
    refused = post(editor, change_url(waiting, "reschedule"), {"run_at": when.isoformat()})
    assert refused.status_code in (409, 400)
    past = post(editor, change_url(job_id, "reschedule"), {"run_at": "2001-01-01T00:00:00Z"})
    assert past.status_code == 400 and past.json()["error"]["errors"][0]["field"] == "run_at"


def test_change_priority_of_a_prioritized_job(
    editor: Client, py_queue: Any, redis_url: str
) -> None:
    low = py_queue["prioritized"][-1]  # priority 5
    response = post(editor, change_url(low, "priority"), {"priority": 1})
    assert response.status_code == 200, response.content
    assert response.json()["before"] == 5
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    assert r.hget(f"bull:{Q}:{low}", "priority") == "1"
    waiting = py_queue["waiting"][0]
    refused = post(editor, change_url(waiting, "priority"), {"priority": 3})
    assert refused.status_code == 409 and refused.json()["error"]["state"] == "waiting"
    assert r.hget(f"bull:{Q}:{waiting}", "priority") in (None, "0")
    (entry,) = AuditEntry.objects.filter(action="change-priority", outcome="ok")
    assert (entry.params["before"], entry.params["after"]) == (5, 1)


def test_remove_unprocessed_children(editor: Client, bullmq_settings: Any, redis_url: str) -> None:
    flow = asyncio.run(producers.seed_python_flow(redis_url))
    parent = flow["parent"]
    url = change_url(parent, "remove-children", "py-parents")
    response = post(editor, url, {})
    assert response.status_code == 200, response.content
    assert response.json()["before"] == {"unprocessed": 2}
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    for child in flow["children"]:
        assert not r.exists(f"bull:py-children:{child}")
    assert r.zscore("bull:py-parents:waiting-children", parent) is None
    again = post(editor, url, {})
    assert again.status_code == 409
