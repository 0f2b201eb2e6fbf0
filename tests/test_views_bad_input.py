"""Bad input through the pages and the API: huge payloads, damaged records, odd queue names,
vanishing jobs and a Redis that stops answering. Each gives a clear answer, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis
from django.urls import reverse
from django.utils.html import escape

from tests import bullmq_producers as producers

pytestmark = pytest.mark.django_db(transaction=True)

TEN_MB = 10 * 1024 * 1024


@pytest.fixture
def r(bullmq_settings: dict[str, Any]) -> Any:
    client = producers.client(bullmq_settings["OPTIONS"]["url"])
    yield client
    client.close()


def test_ten_megabyte_payload(staff_client: Any, r: Any) -> None:
    producers.write_queue_keys(r, "big")
    producers.write_job(r, "big", "1", "wait", data=json.dumps({"blob": "x" * TEN_MB}))
    page = staff_client.get(reverse("queues:queue", args=["bullmq", "big"]), {"state": "waiting"})
    assert page.status_code == 200
    assert len(page.content) < 200_000  # the list shows an excerpt, not 10 MB
    job = staff_client.get(reverse("queues:job", args=["bullmq", "big", "1"]), {"tab": "data"})
    body = job.content.decode()
    assert job.status_code == 200
    assert "10.0 MB" in body
    assert "showing the first 262144 characters" in body
    assert len(job.content) < 600_000
    download = staff_client.get(reverse("queues:job-download", args=["bullmq", "big", "1", "data"]))
    assert len(download.content) > TEN_MB
    api = staff_client.get(reverse("queues:api-job", args=["bullmq", "big", "1"])).json()
    assert api["job"]["data"]["truncated"] is True
    assert api["job"]["data"]["size"] > TEN_MB


def test_damaged_record_is_shown_with_a_note(staff_client: Any, r: Any) -> None:
    producers.write_queue_keys(r, "damaged")
    producers.write_job(
        r,
        "damaged",
        "1",
        "failed",
        name=b"\xff\xfebad-name",
        data=b"{not json",
        opts=b"\x80\x81",
        timestamp="yesterday",
        failedReason="broken",
        finishedOn=1,
        processedOn="soon",
    )
    page = staff_client.get(
        reverse("queues:queue", args=["bullmq", "damaged"]), {"state": "failed"}
    )
    assert page.status_code == 200
    assert "corrupt" in page.content.decode()
    for tab in ("data", "options", "timeline", "error"):
        job = staff_client.get(reverse("queues:job", args=["bullmq", "damaged", "1"]), {"tab": tab})
        assert job.status_code == 200, tab
        assert "record is damaged" in job.content.decode()
    api = staff_client.get(reverse("queues:api-job", args=["bullmq", "damaged", "1"]))
    assert api.status_code == 200
    assert api.json()["job"]["problems"]


@pytest.mark.parametrize("name", ["a:b:c", "<b>q</b>", "quote\"'s", "очередь-ä-日本", "a/b"])
def test_odd_queue_names(staff_client: Any, r: Any, name: str) -> None:
    producers.write_queue_keys(r, name)
    producers.write_job(r, name, "7", "failed", failedReason="<i>boom</i>", finishedOn=1)
    overview = staff_client.get(reverse("queues:overview")).content.decode()
    url = reverse("queues:queue", args=["bullmq", name])
    assert escape(url) in overview
    assert "<b>q</b>" not in overview and "<i>boom</i>" not in overview
    page = staff_client.get(url, {"state": "failed"})
    assert page.status_code == 200
    assert "&lt;i&gt;boom&lt;/i&gt;" in page.content.decode()
    job = staff_client.get(reverse("queues:job", args=["bullmq", name, "7"]))
    assert job.status_code == 200
    api = staff_client.get(reverse("queues:api-jobs", args=["bullmq", name]), {"state": "failed"})
    assert [j["id"] for j in api.json()["jobs"]] == ["7"]


def test_job_vanishing_between_list_and_detail(staff_client: Any, r: Any) -> None:
    producers.write_queue_keys(r, "gone")
    producers.write_job(r, "gone", "1", "failed", failedReason="x", finishedOn=1)
    listed = staff_client.get(reverse("queues:queue", args=["bullmq", "gone"]), {"state": "failed"})
    assert reverse("queues:job", args=["bullmq", "gone", "1"]) in listed.content.decode()
    r.delete("bull:gone:1")
    r.zrem("bull:gone:failed", "1")
    job = staff_client.get(reverse("queues:job", args=["bullmq", "gone", "1"]))
    assert job.status_code == 404
    assert "may have been removed" in job.content.decode()


def test_redis_not_answering(staff_client: Any, bullmq_settings: Any, redis_server: Any) -> None:
    client = redis.Redis.from_url(bullmq_settings["OPTIONS"]["url"])
    producers.write_queue_keys(client, "q")
    client.close()
    redis_server.stop()
    overview = staff_client.get(reverse("queues:overview"))
    assert overview.status_code == 200
    assert "did not answer" in overview.content.decode()
    page = staff_client.get(reverse("queues:queue", args=["bullmq", "q"]))
    assert page.status_code == 503
    body = page.content.decode()
    assert "Queue server unavailable" in body and "Traceback" not in body
    api = staff_client.get(reverse("queues:api-jobs", args=["bullmq", "q"]))
    assert api.status_code == 503
    assert api.json()["error"]["code"] == "backend_unavailable"
    queues = staff_client.get(reverse("queues:api-queues")).json()
    assert any(p["backend"] == "bullmq" for p in queues["problems"])
    job = staff_client.get(reverse("queues:api-job", args=["bullmq", "q", "1"]))
    assert job.status_code == 503


def test_deeply_nested_values(staff_client: Any, r: Any) -> None:
    deep = "[" * 100_000
    producers.write_queue_keys(r, "deep")
    producers.write_job(
        r, "deep", "1", "failed",
        data=deep, opts=deep, parent=deep, stacktrace=deep, returnvalue=deep, progress=deep,
        failedReason='"' + deep, finishedOn=1,
    )  # fmt: skip
    assert (
        staff_client.get(reverse("queues:api-job", args=["bullmq", "deep", "1"])).status_code == 200
    )
    for tab in ("data", "options", "error"):
        page = staff_client.get(reverse("queues:job", args=["bullmq", "deep", "1"]), {"tab": tab})
        assert page.status_code == 200, tab
