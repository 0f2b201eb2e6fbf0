"""COUNTS_CACHE_SECONDS: the overview's counts are reused across requests, refreshed by actions."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from django.urls import reverse

from tests import bullmq_producers as producers
from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant, job_action

pytestmark = pytest.mark.django_db(transaction=True)


def waiting(client: Any) -> int:
    queues = client.get(reverse("queues:api-queues")).json()["queues"]
    return next(q["counts"]["waiting"] for q in queues if q["name"] == "cached")


def test_counts_are_reused_until_an_action(
    client: Any, staff_user: Any, bullmq_settings: dict[str, Any], settings: Any
) -> None:
    settings.QUEUEBOARD = {"COUNTS_CACHE_SECONDS": 60}
    client.force_login(grant(staff_user, *ALL_ACTION_PERMISSIONS))
    r = redis.Redis.from_url(bullmq_settings["OPTIONS"]["url"])
    producers.write_queue_keys(r, "cached")
    producers.write_job(r, "cached", "1", "wait")
    producers.write_job(r, "cached", "2", "failed", failedReason="x", finishedOn=1)
    assert waiting(client) == 1
    producers.write_job(r, "cached", "3", "wait")  # not through the board
    assert waiting(client) == 1  # the snapshot
    assert job_action(client, "bullmq", "cached", "2", "retry").status_code == 200
    assert waiting(client) == 3  # the action refreshed it
    r.close()


def test_no_cache_by_default(staff_client: Any, bullmq_settings: dict[str, Any]) -> None:
    r = redis.Redis.from_url(bullmq_settings["OPTIONS"]["url"])
    producers.write_queue_keys(r, "cached")
    producers.write_job(r, "cached", "1", "wait")
    assert waiting(staff_client) == 1
    producers.write_job(r, "cached", "2", "wait")
    assert waiting(staff_client) == 2
    r.close()
