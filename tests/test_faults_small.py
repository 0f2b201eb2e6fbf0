"""Faults the board must answer clearly: its own database locked, Redis out of memory."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
import redis
from django.db import connections
from django.urls import reverse

from tests import bullmq_producers as producers
from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant, queue_action

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def short_lock_timeout() -> Any:
    settings_dict = connections["default"].settings_dict
    if not settings_dict["ENGINE"].endswith("sqlite3"):
        pytest.fail("this test locks the SQLite file; run it with the default test database")
    options = settings_dict.setdefault("OPTIONS", {})
    saved = options.get("timeout")
    options["timeout"] = 0.2
    connections.close_all()
    yield settings_dict["NAME"]
    options["timeout"] = saved if saved is not None else 5
    connections.close_all()


def test_locked_board_database_is_a_clear_503(staff_client: Any, short_lock_timeout: str) -> None:
    locker = sqlite3.connect(short_lock_timeout, timeout=1)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        page = staff_client.get(reverse("queues:overview"))
        api = staff_client.get(reverse("queues:api-queues"))
    finally:
        locker.rollback()
        locker.close()
    assert page.status_code == 503
    assert "<h1>Board database unavailable</h1>" in page.content.decode()
    assert "database could not be used" in page.content.decode()
    assert "Traceback" not in page.content.decode()
    assert api.status_code == 503
    assert api.json()["error"]["code"] == "database_unavailable"
    assert staff_client.get(reverse("queues:overview")).status_code == 200  # recovered


def test_redis_out_of_memory_is_a_clear_503(
    client: Any, staff_user: Any, bullmq_settings: dict[str, Any]
) -> None:
    client.force_login(grant(staff_user, *ALL_ACTION_PERMISSIONS))
    url = bullmq_settings["OPTIONS"]["url"]
    r = redis.Redis.from_url(url)
    producers.write_queue_keys(r, "full")
    used = int(r.info("memory")["used_memory"])
    r.config_set("maxmemory-policy", "noeviction")
    # Below what is used, not at it: memory freed meanwhile (closed connections of earlier tests)
    # would otherwise make room for the write, and the test would see it succeed.
    r.config_set("maxmemory", used // 2)
    try:
        response = queue_action(client, "bullmq", "full", "pause")
        page = client.get(reverse("queues:queue", args=["bullmq", "full"]))
    finally:
        r.config_set("maxmemory", 0)
    assert response.status_code == 503, response.content
    error = response.json()["error"]
    assert error["code"] == "backend_full"
    assert "maxmemory" in error["message"]
    assert page.status_code == 200  # reading still works
    assert queue_action(client, "bullmq", "full", "pause").status_code == 200
    r.close()
