"""The Redis server behind a BullMQ backend, on a real server: what INFO says, the keys of the
board's prefix counted (or, past the budget, estimated and said so), a warning unless the
eviction policy is noeviction, a panel polled only while shown, and a clean refusal for a
Redis user that may not run INFO."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from bullmq import Queue
from django.test import Client
from django.urls import reverse

from queues.backends.bullmq import server_details
from queues.backends.bullmq.acl import acl_rules
from tests.redis_server import RedisServer, start_private_redis

pytestmark = pytest.mark.django_db


def add_python_jobs(url: str, queue: str, count: int) -> None:
    async def produce() -> None:
        q = Queue(queue, {"connection": url, "prefix": "bull"})
        try:
            for n in range(count):
                await q.add("work", {"n": n})
        finally:
            await q.close()

    asyncio.run(produce())


@pytest.fixture
def r(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", "0")
    client.close()


def api(client: Client) -> Any:
    return client.get(reverse("queues:api-server", args=["bullmq"]))


def test_the_details_of_a_real_server(
    bullmq_backend: Any, redis_url: str, r: redis.Redis, staff_client: Client
) -> None:
    add_python_jobs(redis_url, "emails", 3)
    r.set("other-app:key", "1")
    r.config_set("maxmemory", str(256 * 1024 * 1024))
    answer = api(staff_client)
    assert answer.status_code == 200
    server = answer.json()["server"]
    info = r.info()
    assert server["version"] == info["redis_version"] and server["product"] == "Redis"
    assert server["mode"] == "standalone" and server["role"] == "master"
    assert server["uptime_seconds"] >= 0 and server["connected_clients"] >= 1
    assert 0 < server["used_memory_bytes"] <= server["peak_memory_bytes"]
    assert server["max_memory_bytes"] == 256 * 1024 * 1024 and 0 < server["memory_percent"] < 100
    assert server["eviction_policy"] == "noeviction" and server["evicts"] is False
    bull_keys = len(list(r.scan_iter("bull:*")))
    assert server["keys"] == {"count": bull_keys, "exact": True, "sampled": bull_keys + 1,
                              "total": bull_keys + 1}  # fmt: skip
    assert server["prefix"] == "bull"


def test_the_page_warns_about_eviction_and_polls_while_shown(
    bullmq_backend: Any, redis_url: str, r: redis.Redis, staff_client: Client
) -> None:
    add_python_jobs(redis_url, "emails", 1)
    url = reverse("queues:server", args=["bullmq"])
    page = staff_client.get(url).content.decode()
    assert 'data-server="eviction"' not in page
    assert 'hx-trigger="every 10s" data-poll-while-visible' in page and "visible-poll.js" in page
    r.config_set("maxmemory-policy", "allkeys-lru")
    panel = staff_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert panel.startswith("<section") and "<html" not in panel
    assert 'data-server="eviction"' in panel and "allkeys-lru" in panel
    overview = staff_client.get(reverse("queues:overview")).content.decode()
    assert f'href="{url}"' in overview


def test_many_keys_are_estimated_not_all_scanned(
    bullmq_backend: Any, redis_url: str, r: redis.Redis, staff_client: Client, monkeypatch: Any
) -> None:
    monkeypatch.setattr(server_details, "SCAN_BUDGET", 2000)  # the same code on fewer keys
    with r.pipeline(transaction=False) as pipe:
        for n in range(6000):
            pipe.set(f"bull:emails:x{n}" if n % 3 == 0 else f"app:{n}", "1")
        pipe.execute()
    keys = api(staff_client).json()["server"]["keys"]
    assert keys["exact"] is False and keys["total"] == 6000
    assert 2000 <= keys["sampled"] < 6000
    assert 1000 <= keys["count"] <= 3000  # about a third
    page = staff_client.get(reverse("queues:server", args=["bullmq"])).content.decode()
    assert "estimated from" in page


@pytest.fixture(scope="module")
def acl_server() -> Iterator[RedisServer]:
    server = start_private_redis()
    admin = redis.Redis(port=server.port)
    admin.execute_command(*acl_rules("bull", "queueboard", "board-secret").split())
    admin.execute_command("ACL", "SETUSER", "queueboard", "-info")
    yield server
    server.stop()


def test_refused_cleanly_without_info(
    acl_server: RedisServer, settings: Any, staff_client: Client
) -> None:
    url = f"redis://queueboard:board-secret@127.0.0.1:{acl_server.port}/0"
    entry = {"BACKEND": "queues.backends.bullmq.BullMQBackend", "OPTIONS": {"url": url}}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    answer = api(staff_client)
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["code"] == "server_details_refused" and "+info" in error["message"]
    page = staff_client.get(reverse("queues:server", args=["bullmq"]))
    assert page.status_code == 200
    assert 'data-server="refused"' in page.content.decode()


def test_not_for_django_tasks_nor_unknown_backends(staff_client: Client) -> None:
    answer = staff_client.get(reverse("queues:api-server", args=["tasks"]))
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_supported"
    assert staff_client.get(reverse("queues:api-server", args=["nope"])).status_code == 404
    assert staff_client.get(reverse("queues:server", args=["nope"])).status_code == 404


def test_only_for_users_who_may_see_the_board(client: Client, plain_user: Any) -> None:
    client.force_login(plain_user)
    assert client.get(reverse("queues:api-server", args=["tasks"])).status_code == 403
