"""The board's pages and API on RQ queues, through Django's client: every state's list, every
job's page, workers; and reading all of them leaves Redis byte for byte as it was."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from django.urls import reverse

from queues.backends.rq.keys import STATE_KEYS
from tests.fixtures_rq import snapshot

pytestmark = pytest.mark.django_db(transaction=True)

STATES = [state.value for state in STATE_KEYS]
JOBS = {
    "json": ["parent", "child", "retried", "timeout", "stopped", "running", "waits", "canceled",
             "later", "queued"],
    "pickle": ["pickled-done", "pickled-fail"],
}  # fmt: skip


def every_page(client: Any) -> list[str]:
    """Every read-only URL of the RQ queues and jobs."""
    urls = [reverse("queues:overview"), reverse("queues:api-queues")]
    for queue, job_ids in JOBS.items():
        urls.append(reverse("queues:queue", args=["rq", queue]))
        urls += [reverse("queues:queue", args=["rq", queue]) + f"?state={s}" for s in STATES]
        urls.append(reverse("queues:queue", args=["rq", queue]) + "?state=failed&q=boom")
        urls.append(reverse("queues:api-workers", args=["rq", queue]))
        for job_id in job_ids:
            urls.append(reverse("queues:job", args=["rq", queue, job_id]))
            urls.append(reverse("queues:api-job", args=["rq", queue, job_id]))
    return urls


def test_every_page_answers(staff_client: Any, rq_rich: Any) -> None:
    for url in every_page(staff_client):
        response = staff_client.get(url)
        assert response.status_code == 200, (url, response.status_code)


def test_queue_page_lists_each_state_with_its_label(staff_client: Any, rq_rich: Any) -> None:
    base = reverse("queues:queue", args=["rq", "json"])
    expectations = {
        "active": "running", "waiting": "queued", "deferred": "waits", "delayed": "later",
        "completed": "parent", "failed": "stopped", "canceled": "canceled",
    }  # fmt: skip
    for state, job_id in expectations.items():
        html = staff_client.get(f"{base}?state={state}").content.decode()
        assert f'data-job-id="{job_id}"' in html, state
    failed = staff_client.get(f"{base}?state=failed").content.decode()
    stopped_row = failed.split('data-job-id="stopped"', 1)[1].split("</tr>", 1)[0]
    assert 'class="qb-state state-stopped">Stopped<' in stopped_row
    timeout_row = failed.split('data-job-id="timeout"', 1)[1].split("</tr>", 1)[0]
    assert "qb-state" not in timeout_row
    page = staff_client.get(f"{base}?state=canceled").content.decode()
    assert "state-canceled" in page and "Canceled" in page and "Deferred" in page


def test_job_pages_say_what_rq_says(staff_client: Any, rq_rich: Any) -> None:
    stopped = staff_client.get(reverse("queues:job", args=["rq", "json", "stopped"])).content
    assert b'class="qb-state state-stopped"' in stopped
    pickled = staff_client.get(reverse("queues:job", args=["rq", "pickle", "pickled-done"]))
    assert b"pickled, " in pickled.content and b"never unpickled" in pickled.content
    api = staff_client.get(reverse("queues:api-job", args=["rq", "pickle", "pickled-done"])).json()
    data = api.get("job", api)["data"]
    assert data["opaque"] == "pickle" and data["size"] > 0
    assert "never unpickled" in data["note"]


def test_workers_panel_shows_the_workers_records(staff_client: Any, rq_rich: Any) -> None:
    html = staff_client.get(reverse("queues:queue", args=["rq", "json"])).content.decode()
    panel = html.split('id="workers"', 1)[1].split("</details>", 1)[0]
    assert "json-steady" in panel and "busy" in panel
    assert reverse("queues:job", args=["rq", "json", "running"]) in panel  # its current job


def test_workers_api(staff_client: Any, rq_rich: Any) -> None:
    response = staff_client.get(reverse("queues:api-workers", args=["rq", "json"]))
    assert response.status_code == 200
    (steady,) = [w for w in response.json()["workers"] if w["name"] == "json-steady"]
    assert steady["state"] == "busy" and steady["current_job"] == "running"
    assert steady["failed"] == 1 and steady["heartbeat_at"]


def test_find_job_by_id(staff_client: Any, rq_rich: Any) -> None:
    url = reverse("queues:find-job", args=["rq", "json"])
    found = staff_client.get(url, {"id": "later"})
    assert found.status_code == 302
    assert found["Location"] == reverse("queues:job", args=["rq", "json", "later"])
    missing = staff_client.get(url, {"id": "no-such-job"})
    assert missing.status_code == 302
    assert missing["Location"] == reverse("queues:queue", args=["rq", "json"])


def test_reading_every_page_changes_nothing_in_redis(
    staff_client: Any, rq_rich: Any, redis_url: str
) -> None:
    """No cleanup on read: every key's value and expiry are the same after every page, the
    started job whose worker died included (RQ's own readers would move it to failed)."""
    client = redis.Redis.from_url(redis_url)
    try:
        before = snapshot(client)
        for url in every_page(staff_client):
            staff_client.get(url)
        after = snapshot(client)
    finally:
        client.close()
    assert set(after) == set(before)
    for key, (dumped, ttl) in before.items():
        assert after[key][0] == dumped, key
        assert abs(after[key][1] - ttl) < 60_000 or ttl == 0, key
