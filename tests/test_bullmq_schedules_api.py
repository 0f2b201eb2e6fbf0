"""The schedules API on BullMQ: listing, one in full, run now / edit / remove with CSRF,
permissions, read-only refusals and the audit log; awkward ids and bad data never a 500."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse

from queues.models import AuditEntry
from tests.test_bullmq_actions_api import grant
from tests.test_bullmq_schedules import Q, node_schedulers

pytestmark = pytest.mark.django_db(transaction=True)

ODD = "tenant:7/weekly <script>alert(1)</script> é%2F"
SCHEDULE_PERMISSIONS = ("run_schedules", "change_schedules", "remove_schedules")


@pytest.fixture
def r(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def seeded(bullmq_backend: Any, redis_url: str, node_modules: Any, r: redis.Redis) -> None:
    node_schedulers(redis_url, [
        {"id": ODD, "repeat": {"pattern": "0 9 * * 1", "tz": "Europe/Paris"}, "name": "<i>w</i>",
         "data": {"x": "<script>"}},
        {"id": "every-hour", "repeat": {"pattern": "@hourly"}, "name": "tick"},
    ])  # fmt: skip
    node_schedulers(redis_url, [{"id": "other", "repeat": {"pattern": "0 0 1 1 *"}}], queue="q2")
    base = f"bull:{Q}:"
    r.zadd(base + "repeat", {"no-hash": int(time.time() * 1000) + 3_600_000})
    r.zadd(base + "repeat", {"bad": int(time.time() * 1000) + 3_600_000})
    r.hset(base + "repeat:bad", mapping={"name": "b", "pattern": "nope", "data": "{", "ic": "?"})


def url(name: str, *args: str) -> str:
    return reverse(f"queues:{name}", args=args)


def action_url(schedule_id: str, action: str, queue: str = Q) -> str:
    return url("api-schedule-action", "bullmq", queue, schedule_id, action)


def post(client: Client, target: str, **data: Any) -> Any:
    return client.post(target, data, content_type="application/json")


def test_queue_schedules_list(staff_client: Client, seeded: None) -> None:
    answer = staff_client.get(url("api-queue-schedules", "bullmq", Q))
    assert answer.status_code == 200
    assert b"<script>" not in answer.content  # JSON escapes < and >
    body = answer.json()
    assert body["supported"] is True and body["total"] == 4
    found = {s["id"]: s for s in body["schedules"]}
    odd = found[ODD]
    assert set(odd) >= {"backend", "queue", "id", "job_name", "pattern", "every", "tz",
                        "description", "next_run_at", "state", "iterations", "limit",
                        "end_at", "legacy"}  # fmt: skip
    assert odd["job_name"] == "<i>w</i>" and odd["tz"] == "Europe/Paris"
    assert odd["description"] == "At 09:00, only on Monday" and odd["state"] == "scheduled"
    assert odd["next_run_at"].endswith("Z") and odd["legacy"] is False
    # Shown as stored; the alias is expanded for the description.
    assert found["every-hour"]["pattern"] == "@hourly"
    assert found["every-hour"]["description"] == "Every hour"
    assert any("Missing template" in p for p in found["no-hash"]["problems"])
    assert any("not a valid cron pattern" in p for p in found["bad"]["problems"])
    page = staff_client.get(url("api-queue-schedules", "bullmq", Q), {"start": 1, "count": 2})
    assert [s["id"] for s in page.json()["schedules"]] == [s["id"] for s in body["schedules"][1:3]]
    assert (
        staff_client.get(url("api-queue-schedules", "bullmq", Q), {"count": 0}).status_code == 400
    )
    assert (
        staff_client.get(url("api-queue-schedules", "bullmq", Q), {"start": "x"}).status_code == 400
    )


def test_board_schedules_list_every_queue(staff_client: Client, seeded: None) -> None:
    body = staff_client.get(url("api-schedules")).json()
    assert {(s["queue"], s["id"]) for s in body["schedules"]} >= {(Q, ODD), ("q2", "other")}
    assert {q["queue"]: q["total"] for q in body["queues"]} == {Q: 4, "q2": 1}


def test_one_schedule_in_full(staff_client: Client, seeded: None) -> None:
    target = url("api-schedule", "bullmq", Q, ODD)
    assert "%252F" in target  # "/" and "%" escaped once more, as job ids are
    answer = staff_client.get(target)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["schedule"]["id"] == ODD
    assert json.loads(body["schedule"]["template"]["data"]) == {"x": "<script>"}
    assert len(body["preview"]) == 5 and body["preview_is_estimate"] is True
    assert body["preview"][0] == body["schedule"]["next_run_at"]
    assert body["runs"] == [] and body["runs_scan_stopped"] is False
    for odd_id in ("no-hash", "bad"):
        assert staff_client.get(url("api-schedule", "bullmq", Q, odd_id)).status_code == 200
    missing = staff_client.get(url("api-schedule", "bullmq", Q, "nope"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "schedule_not_found"


def test_actions_need_their_permission_and_are_audited(
    staff_client: Client, staff_user: Any, seeded: None, r: redis.Redis
) -> None:
    for action in ("run-now", "edit", "remove"):
        refused = post(staff_client, action_url(ODD, action), pattern="0 8 * * *")
        assert refused.status_code == 403, action
        assert "permission" in refused.json()["error"]["message"]
    refusals = AuditEntry.objects.filter(outcome="refused").order_by("id")
    assert [e.action for e in refusals] == ["schedule-run-now", "schedule-edit", "schedule-remove"]
    assert all(e.job_ids == [ODD] for e in refusals)
    assert r.zcard(f"bull:{Q}:repeat") == 4

    staff_client.force_login(grant(staff_user, *SCHEDULE_PERMISSIONS))
    before = r.hgetall(f"bull:{Q}:repeat:{ODD}")
    bad = post(staff_client, action_url(ODD, "edit"), pattern="0 25 * * *")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_schedule"
    bad_tz = post(staff_client, action_url(ODD, "edit"), pattern="0 8 * * *", tz="Nowhere/X")
    assert bad_tz.status_code == 400 and "time zone" in bad_tz.json()["error"]["message"]
    assert post(staff_client, action_url(ODD, "edit"), every="soon").status_code == 400
    assert post(staff_client, action_url(ODD, "edit"), pattern="0 8 * * *",
                data="{bad").status_code == 400  # fmt: skip
    assert r.hgetall(f"bull:{Q}:repeat:{ODD}") == before

    edited = post(staff_client, action_url(ODD, "edit"), pattern="0 8 * * *", tz="Asia/Tokyo",
                  limit=5)  # fmt: skip
    assert edited.status_code == 200, edited.content
    assert edited.json()["schedule"]["pattern"] == "0 8 * * *"
    entry = AuditEntry.objects.get(action="schedule-edit", outcome="ok")
    assert entry.params["before"]["pattern"] == "0 9 * * 1"
    assert entry.params["after"]["tz"] == "Asia/Tokyo" and entry.params["after"]["limit"] == 5
    assert json.loads(entry.params["after"]["template"]["data"]) == {"x": "<script>"}

    ran = post(staff_client, action_url(ODD, "run-now"))
    assert ran.status_code == 200, ran.content
    job_id = ran.json()["job_id"]
    assert job_id.startswith(f"repeat:{ODD}:") and r.zscore(f"bull:{Q}:delayed", job_id) is None
    again = post(staff_client, action_url(ODD, "run-now"))
    assert again.status_code == 409 and "no longer delayed" in again.json()["error"]["message"]
    assert AuditEntry.objects.filter(action="schedule-run-now", outcome="error").count() == 1

    removed = post(staff_client, action_url(ODD, "remove"))
    assert removed.status_code == 200 and removed.json()["removed"] is True
    entry = AuditEntry.objects.get(action="schedule-remove", outcome="ok")
    assert entry.params["before"]["id"] == ODD and entry.params["after"] is None
    assert post(staff_client, action_url(ODD, "remove")).status_code == 404
    assert not r.exists(f"bull:{Q}:repeat:{ODD}")


def test_read_only_queues_refuse(
    staff_client: Client, staff_user: Any, seeded: None, settings: Any, r: redis.Redis
) -> None:
    entry = dict(settings.QUEUEBOARD_BACKENDS["bullmq"], READ_ONLY_QUEUES=[Q])
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    staff_client.force_login(grant(staff_user, *SCHEDULE_PERMISSIONS))
    for action in ("run-now", "edit", "remove"):
        answer = post(staff_client, action_url("every-hour", action), pattern="0 8 * * *")
        assert answer.status_code == 403 and "read-only" in answer.json()["error"]["message"]
    assert r.zcard(f"bull:{Q}:repeat") == 4


def test_actions_need_post_and_csrf(staff_user: Any, seeded: None) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(grant(staff_user, *SCHEDULE_PERMISSIONS))
    assert client.get(action_url("every-hour", "remove")).status_code == 405
    assert post(client, action_url("every-hour", "remove")).status_code == 403


def test_legacy_members_refuse_actions(
    staff_client: Client, staff_user: Any, bullmq_backend: Any, r: redis.Redis
) -> None:
    r.hset(f"bull:{Q}:meta", "opts.maxLenEvents", 10000)
    r.zadd(f"bull:{Q}:repeat", {"tok::::5000": int(time.time() * 1000) + 60_000})
    staff_client.force_login(grant(staff_user, *SCHEDULE_PERMISSIONS))
    listed = staff_client.get(url("api-queue-schedules", "bullmq", Q)).json()["schedules"]
    assert listed[0]["legacy"] is True and listed[0]["every"] == 5000
    answer = post(staff_client, action_url("tok::::5000", "remove"))
    assert answer.status_code == 409 and "legacy" in answer.json()["error"]["message"]


def test_an_overdue_schedule_with_no_worker_is_flagged_stuck(
    staff_client: Client, bullmq_backend: Any, r: redis.Redis, node_worker: Any
) -> None:
    base = f"bull:{Q}:"
    late = int(time.time() * 1000) - 3_600_000
    r.hset(base + "meta", "opts.maxLenEvents", 10000)
    r.zadd(base + "repeat", {"late": late})
    r.hset(base + "repeat:late", mapping={"name": "sync", "pattern": "0 * * * *", "ic": 4})
    # Its armed job exists but sits in no list a worker takes from (as when a run was lost).
    r.hset(base + f"repeat:late:{late}", mapping={"name": "sync", "data": "{}", "rjk": "late"})
    target = url("api-schedule", "bullmq", Q, "late")
    body = staff_client.get(target).json()
    assert body["schedule"]["state"] == "overdue"
    assert "no worker is connected" in body["stuck"]
    page = staff_client.get(reverse("queues:schedule", args=["bullmq", Q, "late"]))
    assert "Overdue and stuck" in page.content.decode()
    node_worker(Q, concurrency=1)
    assert staff_client.get(target).json()["stuck"] == ""
    fresh = staff_client.get(url("api-schedule", "bullmq", Q, "late")).json()
    assert fresh["schedule"]["state"] == "overdue"
