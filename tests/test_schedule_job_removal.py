"""Removing a schedule's next run (the job ``repeat:<id>:<millis>`` Node bullmq armed) is
refused by BullMQ's removeJob: the refusal says why and offers the schedule's page (a link in
the page's notice, ``schedule`` and ``schedule_url`` in the API's error)."""

from __future__ import annotations

import html
from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse

from tests.test_bullmq_actions_api import grant
from tests.test_bullmq_schedules import Q, node_schedulers

pytestmark = pytest.mark.django_db(transaction=True)

SID = "tenant:7/nightly <b>é</b>"


@pytest.fixture
def armed(bullmq_backend: Any, redis_url: str, node_modules: Any) -> str:
    node_schedulers(redis_url, [{"id": SID, "repeat": {"pattern": "0 3 1 1 *"}, "name": "n"}])
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        (job_id,) = client.zrange(f"bull:{Q}:delayed", 0, -1)
    finally:
        client.close()
    assert job_id.startswith(f"repeat:{SID}:")
    return str(job_id)


@pytest.fixture
def remover(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, "remove_jobs"))
    return client


def test_the_api_refusal_names_the_schedule(remover: Client, armed: str) -> None:
    target = reverse("queues:api-job-action", args=["bullmq", Q, armed, "remove"])
    response = remover.post(target, {}, content_type="application/json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["schedule"] == SID
    assert error["schedule_url"] == reverse("queues:schedule", args=["bullmq", Q, SID])
    assert "next run of a schedule" in error["message"]
    assert "Remove the schedule instead" in error["message"]


def test_the_page_refusal_links_to_the_schedule(
    remover: Client, armed: str, redis_url: str
) -> None:
    target = reverse("queues:job-action", args=["bullmq", Q, armed, "remove"])
    response = remover.post(target)
    assert response.status_code == 302
    assert response["Location"] == reverse("queues:job", args=["bullmq", Q, armed])
    page = remover.get(response["Location"]).content.decode()
    schedule_url = reverse("queues:schedule", args=["bullmq", Q, SID])
    assert f'<a href="{html.escape(schedule_url)}">Open its schedule</a>' in page
    assert "BullMQ does not remove it alone, which would stop the schedule" in page
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        assert client.exists(f"bull:{Q}:{armed}")  # nothing removed
    finally:
        client.close()
