"""The overview marks BullMQ queues no worker serves: one CLIENT LIST per refresh for all
queues (kept a few seconds), never one per queue; Django Tasks cannot tell (no mark); a refused
CLIENT LIST leaves the overview whole, with a note."""

from __future__ import annotations

import html
import json
import re
import time
from typing import Any

import pytest
import redis
from django.urls import reverse

from queues.backends.bullmq.workers import without_workers
from tests import bullmq_producers as producers
from tests.test_bullmq_workers import b64, entry, py_worker, wait_until  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def seed(url: str, *queues: str) -> None:
    r = producers.client(url)
    try:
        for queue in queues:
            producers.write_queue_keys(r, queue)
            producers.write_job(r, queue, "1", "wait")
    finally:
        r.close()


def marked(body: str, alias: str = "bullmq") -> list[str] | None:
    """The section's queues without workers, as the page gives them (None: not told)."""
    section = re.search(rf'<section class="qb-backend" id="backend-{alias}"[^>]*>', body)
    assert section, body[:1500]
    found = re.search(r'data-no-workers="([^"]*)"', section.group(0))
    return json.loads(html.unescape(found.group(1))) if found else None


def overview(client: Any, query: str = "") -> str:
    response = client.get(reverse("queues:overview") + query)
    assert response.status_code == 200
    return str(response.content.decode())


def test_without_workers_from_client_names() -> None:
    clients = [
        entry(f"bull:{b64('node-q')}:w:n1"),
        entry("bull:py-q:w:p1"),
        entry("bull:bare-q"),  # an unnamed Python worker
        entry("bull:odd:w:name:w:x"),  # a queue named "odd:w:name" or "odd": both served
        entry("other:idle"),
    ]
    queues = ["node-q", "py-q", "bare-q", "odd", "odd:w:name", "idle", "py"]
    assert without_workers(clients, "bull", queues) == {"idle", "py"}


def test_queues_without_workers_are_marked(
    staff_client: Any, bullmq_settings: dict[str, Any], redis_url: str, node_worker: Any,
    py_worker: None,  # noqa: F811 - the fixture, on queue "wq"
) -> None:  # fmt: skip
    seed(redis_url, "wq", "wn", "idle")
    node_worker("wn", 1)
    client = redis.Redis.from_url(redis_url)
    wait_until(lambda: any(c["name"].startswith(f"bull:{b64('wn')}") for c in client.client_list()))
    client.close()
    body = overview(staff_client)
    assert marked(body) == ["idle"]
    assert marked(body, "tasks") is None  # Django Tasks cannot tell
    assert "queues/overview.js" in body
    # Filtered and sorted, the list follows what is shown.
    assert marked(overview(staff_client, "?sort=name&dir=desc")) == ["idle"]


def test_a_queue_with_no_worker_at_all(
    staff_client: Any, bullmq_settings: dict[str, Any], redis_url: str
) -> None:
    seed(redis_url, "a", "b")
    assert marked(overview(staff_client)) == ["a", "b"]


def client_lists(url: str) -> int:
    r = redis.Redis.from_url(url)
    try:
        return int(r.info("commandstats").get("cmdstat_client|list", {}).get("calls", 0))
    finally:
        r.close()


def reset(url: str) -> None:
    r = redis.Redis.from_url(url)
    r.config_resetstat()
    r.close()


@pytest.mark.parametrize("count", [2, 60])
def test_one_client_list_per_refresh_for_any_number_of_queues(
    staff_client: Any, bullmq_backend: Any, redis_url: str, count: int, monkeypatch: Any
) -> None:
    seed(redis_url, *(f"q{n}" for n in range(count)))
    bullmq_backend.discovery.forget()
    reset(redis_url)
    body = overview(staff_client)
    assert len(marked(body) or []) == count
    assert client_lists(redis_url) == 1
    overview(staff_client)  # within a few seconds: the same answer
    assert client_lists(redis_url) == 1
    monkeypatch.setattr(type(bullmq_backend), "presence_seconds", 0.05)
    time.sleep(0.1)
    overview(staff_client)
    assert client_lists(redis_url) == 2


def test_client_list_refused_leaves_the_overview_whole(
    staff_client: Any, settings: Any, bullmq_settings: dict[str, Any], redis_url: str
) -> None:
    seed(redis_url, "wq")
    admin = redis.Redis.from_url(redis_url)
    admin.acl_setuser(
        "board", enabled=True, passwords=["+pw"], keys=["*"], channels=["*"],
        commands=["+@all", "-client"],
    )  # fmt: skip
    try:
        host, port = redis_url.split("//")[1].split("/")[0].split(":")
        limited = {**bullmq_settings, "OPTIONS": {**bullmq_settings["OPTIONS"],
                   "url": f"redis://board:pw@{host}:{port}/0"}}  # fmt: skip
        settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": limited}
        body = overview(staff_client)
        assert 'data-queue="wq"' in body
        assert marked(body) is None
        assert "Queues without workers cannot be marked" in body
        assert "refused CLIENT LIST" in body  # the reason, in the note's title
    finally:
        admin.acl_deluser("board")
        admin.close()
