"""BullMQ actions through the JSON API: answers, refusals, permissions, audit and bulk runs."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
import redis
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from queues.models import AuditEntry, BulkRun
from tests import bullmq_producers as producers
from tests.fixtures_bullmq import where_jobs_are, write_finished_jobs

pytestmark = pytest.mark.django_db(transaction=True)

Q = "py-basic"
PERMISSIONS = ("retry_jobs", "rerun_completed_jobs", "promote_jobs", "remove_jobs",
               "clean_queues", "pause_queues", "empty_queues")  # fmt: skip


def grant(user: Any, *codenames: str) -> Any:
    perms = Permission.objects.filter(content_type__app_label="queues", codename__in=codenames)
    assert perms.count() == len(codenames), codenames
    user.user_permissions.add(*perms)
    return type(user).objects.get(pk=user.pk)


def job_url(job_id: str, action: str, queue: str = Q) -> str:
    return reverse("queues:api-job-action", args=["bullmq", queue, job_id, action])


def queue_url(action: str, queue: str = Q) -> str:
    return reverse("queues:api-queue-action", args=["bullmq", queue, action])


def post(client: Client, url: str, **data: Any) -> Any:
    return client.post(url, data, content_type="application/json")


def wait_for_run(client: Client, run_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run = client.get(reverse("queues:api-run", args=[run_id])).json()["run"]
        if run["status"] not in ("queued", "running", "cancelling"):
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.05)


@pytest.fixture
def r(redis_url: str) -> Any:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def py_queue(bullmq_settings: Any, redis_url: str) -> dict[str, list[str]]:
    return asyncio.run(producers.seed_python_queue(redis_url, Q))


@pytest.fixture
def operator_client(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, *PERMISSIONS))
    return client


def entries(**filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(backend="bullmq", **filters).order_by("created_at"))


# -- single jobs ---------------------------------------------------------------------------------


def test_retry_one_job_and_the_audit_entry(
    operator_client: Client, py_queue: Any, redis_url: str
) -> None:
    job_id = py_queue["failed"][0]
    response = operator_client.post(job_url(job_id, "retry"))
    assert response.status_code == 200, response.content
    assert response.json()["done_ids"] == [job_id]
    assert where_jobs_are(redis_url, Q)[job_id] == ["wait"]
    (entry,) = entries(action="retry")
    assert (entry.outcome, entry.job_ids, entry.affected, entry.username) == (
        "ok",
        [job_id],
        1,
        "staff",
    )


def test_missing_job_is_404_and_audited(operator_client: Client, py_queue: Any) -> None:
    response = operator_client.post(job_url("no-such-job", "retry"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "job_not_found"
    (entry,) = entries(action="retry")
    assert entry.outcome == "skipped" and "not found" in entry.message  # gone: no error


def test_job_that_moved_on_is_409_with_its_state(operator_client: Client, py_queue: Any) -> None:
    job_id = py_queue["waiting"][0]
    for action, wanted in (("retry", "failed"), ("promote", "delayed")):
        response = operator_client.post(job_url(job_id, action))
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["state"] == "waiting"
        assert f"no longer {wanted}; it is now waiting" in error["message"]
    assert [e.outcome for e in entries()] == ["skipped", "skipped"]  # moved on: no error


@pytest.mark.parametrize("action", ["promote", "remove"])
def test_promote_and_remove_one_job(
    operator_client: Client, py_queue: Any, redis_url: str, action: str
) -> None:
    job_id = py_queue["delayed"][0]
    assert operator_client.post(job_url(job_id, action)).status_code == 200
    where = where_jobs_are(redis_url, Q)
    assert where.get(job_id) == (["wait"] if action == "promote" else None)
    assert entries(action=action)[0].outcome == "ok"


def test_selection_reports_done_and_skipped(
    operator_client: Client, py_queue: Any, redis_url: str
) -> None:
    ids = py_queue["failed"] + py_queue["completed"][:1] + py_queue["delayed"][:1] + ["gone"]
    url = reverse("queues:api-selection", args=["bullmq", Q, "retry"])
    body = post(operator_client, url, ids=ids).json()
    assert sorted(body["done_ids"]) == sorted(ids[:3]) and body["done"] == 3
    assert {s["id"]: s["state"] for s in body["skipped"]} == {ids[3]: "delayed", "gone": None}
    (entry,) = entries(action="retry")
    assert (entry.outcome, entry.affected, entry.skipped) == ("partial", 3, 2)


@pytest.mark.node
def test_a_running_job_is_409_and_left_alone(
    operator_client: Client, bullmq_settings: Any, redis_url: str, r: Any, node_worker: Any
) -> None:
    (job_id,) = asyncio.run(producers.add_jobs(redis_url, "busy", 1, attempts=1))
    r.hset(f"bull:busy:{job_id}", "data", '{"sleep": 20000}')
    node_worker("busy", concurrency=1)
    deadline = time.monotonic() + 10
    while not r.exists(f"bull:busy:{job_id}:lock"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    for action in ("retry", "remove"):
        response = operator_client.post(job_url(job_id, action, "busy"))
        assert response.status_code == 409, response.content
        assert response.json()["error"]["state"] == "active"
    assert r.lrange("bull:busy:active", 0, -1) == [job_id]
    assert r.exists(f"bull:busy:{job_id}", f"bull:busy:{job_id}:lock") == 2
    assert "running/locked" in entries(action="remove")[0].message


# -- queue actions -------------------------------------------------------------------------------


def test_retry_all_runs_in_the_background(
    operator_client: Client, bullmq_settings: Any, redis_url: str, r: Any, settings: Any
) -> None:
    settings.QUEUEBOARD = {"BULK_BATCH_SIZE": 100}
    ids = write_finished_jobs(redis_url, "many", 450)
    response = post(operator_client, queue_url("retry-all", "many"))
    assert response.status_code == 202, response.content
    started = response.json()["run"]
    assert started["expected"] == 450
    run = wait_for_run(operator_client, started["id"])
    assert (run["status"], run["done"]) == ("finished", 450)
    assert BulkRun.objects.get(pk=started["id"]).batches == 5
    assert r.zcard("bull:many:failed") == 0
    assert sorted(r.lrange("bull:many:wait", 0, -1), key=int) == ids
    (entry,) = entries(action="retry-all")  # one entry per run, with its outcome
    assert (entry.outcome, entry.affected, entry.run_id) == ("ok", 450, uuid.UUID(started["id"]))
    assert entry.message == "450 done, 0 skipped, 0 failed."


def test_clean_promote_all_empty_pause_and_resume(
    operator_client: Client, py_queue: Any, redis_url: str, r: Any
) -> None:
    run = post(operator_client, queue_url("clean"), state="completed", grace="1s").json()["run"]
    assert wait_for_run(operator_client, run["id"])["done"] == 0  # all finished just now
    time.sleep(1.1)
    run = post(operator_client, queue_url("clean"), state="completed", grace="1s").json()["run"]
    assert wait_for_run(operator_client, run["id"])["done"] == 3
    run = post(operator_client, queue_url("promote-all")).json()["run"]
    assert wait_for_run(operator_client, run["id"])["done"] == 2
    run = post(operator_client, queue_url("empty")).json()["run"]
    assert wait_for_run(operator_client, run["id"])["done"] == 3 + 2 + 3
    assert set(where_jobs_are(redis_url, Q)) == set(py_queue["failed"])
    paused = post(operator_client, queue_url("pause"))
    assert paused.status_code == 200 and paused.json()["paused"] is True
    assert r.hget(f"bull:{Q}:meta", "paused") == "1"
    assert post(operator_client, queue_url("resume")).json()["paused"] is False
    assert [e.outcome for e in entries(action="pause")] == ["ok"]


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("clean", {"grace": "soon"}),
        ("clean", {"grace": "-5m"}),
        ("clean", {"state": "active"}),
        ("clean", {"limit": "many"}),
        ("retry-all", {"state": "waiting"}),
        ("retry-all", {"limit": "-1"}),
    ],
)
def test_malformed_input_is_400(
    operator_client: Client, py_queue: Any, action: str, data: dict[str, str]
) -> None:
    response = post(operator_client, queue_url(action), **data)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "bad_request"
    assert not BulkRun.objects.exists()


def test_get_on_an_action_url_is_405(operator_client: Client, py_queue: Any) -> None:
    assert operator_client.get(job_url(py_queue["failed"][0], "retry")).status_code == 405
    assert operator_client.get(queue_url("retry-all")).status_code == 405


def test_post_without_csrf_token_is_403(staff_user: Any, py_queue: Any, redis_url: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(grant(staff_user, *PERMISSIONS))
    job_id = py_queue["failed"][0]
    assert client.post(job_url(job_id, "retry")).status_code == 403
    assert where_jobs_are(redis_url, Q)[job_id] == ["failed"]


def test_user_without_the_permission_is_403_and_nothing_changes(
    client: Client, staff_user: Any, py_queue: Any, redis_url: str
) -> None:
    client.force_login(grant(staff_user, "promote_jobs"))
    before = where_jobs_are(redis_url, Q)
    response = client.post(job_url(py_queue["failed"][0], "retry"))
    assert response.status_code == 403
    assert "queues.retry_jobs" in response.json()["error"]["message"]
    assert post(client, queue_url("retry-all")).status_code == 403
    assert where_jobs_are(redis_url, Q) == before
    assert [e.outcome for e in entries()] == ["refused", "refused"]


@pytest.mark.parametrize("key", ["READ_ONLY", "READ_ONLY_QUEUES"])
def test_read_only_backend_or_queue_is_403(
    operator_client: Client, py_queue: Any, redis_url: str, settings: Any, key: str
) -> None:
    entry = dict(settings.QUEUEBOARD_BACKENDS["bullmq"])
    entry[key] = True if key == "READ_ONLY" else [Q]
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    before = where_jobs_are(redis_url, Q)
    assert operator_client.post(job_url(py_queue["failed"][0], "retry")).status_code == 403
    assert post(operator_client, queue_url("pause")).status_code == 403
    assert where_jobs_are(redis_url, Q) == before
    assert all("read-only" in e.message for e in entries())


# -- a fault in the middle of a run --------------------------------------------------------------


def test_redis_pausing_mid_run_fails_the_run_and_loses_no_job(
    operator_client: Client, bullmq_settings: Any, redis_url: str, r: Any, settings: Any
) -> None:
    # Small batches over many jobs: the run lasts seconds, and saves progress every 250 ms.
    settings.QUEUEBOARD = {"BULK_BATCH_SIZE": 10}
    entry = {**bullmq_settings, "OPTIONS": {**bullmq_settings["OPTIONS"], "socket_timeout": 0.3}}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    ids = write_finished_jobs(redis_url, "fragile", 20000)
    started = post(operator_client, queue_url("retry-all", "fragile")).json()["run"]
    deadline = time.monotonic() + 20
    while BulkRun.objects.get(pk=started["id"]).batches < 1:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    r.execute_command("CLIENT", "PAUSE", 2000, "ALL")
    paused_at = time.monotonic()
    run = wait_for_run(operator_client, started["id"])
    assert run["status"] == "failed", run
    assert run["message"].startswith("Stopped: Redis at")
    assert "may or may not have been applied" in run["message"]
    assert f"{run['done']} done" in run["message"]
    assert 10 <= run["done"] < 20000
    time.sleep(max(0.0, 2.2 - (time.monotonic() - paused_at)))
    where = where_jobs_are(redis_url, "fragile")
    assert sorted(where, key=int) == ids  # none lost
    assert all(len(states) == 1 for states in where.values())  # none in two places
    assert r.llen("bull:fragile:wait") >= run["done"]
    assert r.llen("bull:fragile:wait") + r.zcard("bull:fragile:failed") == 20000
    (entry,) = entries(action="retry-all")
    assert entry.outcome == "error" and entry.message == run["message"]


@pytest.mark.parametrize("word", ["retry", "promote", "remove"])
def test_a_job_named_like_an_action_is_readable(
    operator_client: Client, bullmq_settings: Any, r: Any, word: str
) -> None:
    """``jobs/retry`` is the selection action for POST and the job "retry" for GET."""
    producers.write_queue_keys(r, "named")
    producers.write_job(r, "named", word, "failed", failedReason="boom", finishedOn=1)
    url = reverse("queues:api-job", args=["bullmq", "named", word])
    response = operator_client.get(url)
    assert response.status_code == 200, response.content
    assert response.json()["job"]["id"] == word
    page = operator_client.get(reverse("queues:job", args=["bullmq", "named", word]))
    assert page.status_code == 200
    acted = post(operator_client, url, ids=[word])
    assert acted.status_code == 200, acted.content
    assert acted.json()["action"] == word
