"""The latest view: the newest jobs of a queue across its states, on the page and in the API."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import bullmq_producers as producers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seeded(bullmq_settings: Any, redis_url: str) -> dict[str, list[str]]:
    """Python bullmq jobs in every common state, the finished ones through a real worker."""
    return asyncio.run(producers.seed_python_queue(redis_url, "latest"))


def latest(client: Client, queue: str, **params: Any) -> Any:
    return client.get(reverse("queues:api-queue-latest", args=["bullmq", queue]), params)


def test_the_newest_across_states_by_creation_time(
    staff_client: Client, seeded: dict[str, list[str]]
) -> None:
    body = latest(staff_client, "latest", limit=200).json()
    jobs = body["jobs"]
    every = {job_id for ids in seeded.values() for job_id in ids}
    assert {job["id"] for job in jobs} == every
    stamps = [job["created_at"] for job in jobs]
    assert stamps == sorted(stamps, reverse=True)
    states = {job["id"]: job["state"] for job in jobs}
    for state, ids in seeded.items():
        assert {states[i] for i in ids} == {state}
    # the five finished first: they are the oldest, whatever their state's own order
    finished = set(seeded["completed"]) | set(seeded["failed"])
    assert {job["id"] for job in jobs[-len(finished) :]} == finished


def test_a_bounded_window(staff_client: Client, seeded: dict[str, list[str]]) -> None:
    newest = latest(staff_client, "latest", limit=200).json()["jobs"]
    three = latest(staff_client, "latest", limit=3).json()["jobs"]
    assert [j["id"] for j in three] == [j["id"] for j in newest[:3]]
    assert latest(staff_client, "latest", limit=201).status_code == 400
    assert latest(staff_client, "latest", limit="x").json()["error"]["code"] == "bad_request"
    assert latest(staff_client, "nope").status_code == 404


def test_one_script_call_whatever_the_queue(
    staff_client: Client, bullmq_settings: Any, redis_url: str
) -> None:
    asyncio.run(producers.add_jobs(redis_url, "big", 5000))
    asyncio.run(producers.add_jobs(redis_url, "big", 50, delay=3_600_000))
    server = redis.Redis.from_url(redis_url)
    server.config_set("slowlog-log-slower-than", 0)
    server.slowlog_reset()
    jobs = latest(staff_client, "big", limit=20).json()["jobs"]
    assert len(jobs) == 20
    scripts = [e for e in server.slowlog_get(1000) if e["command"].startswith(b"EVALSHA")]
    server.config_set("slowlog-log-slower-than", 10000)
    assert scripts and max(e["duration"] for e in scripts) < 50_000  # microseconds


def test_the_page_has_a_latest_tab_first(
    staff_client: Client, seeded: dict[str, list[str]]
) -> None:
    queue = staff_client.get(reverse("queues:queue", args=["bullmq", "latest"])).content.decode()
    tabs = queue.split('class="qb-tabs"')[1].split("</nav>")[0]
    assert tabs.index("qb-tab-latest") < tabs.index("state-active")
    page = staff_client.get(reverse("queues:queue-latest", args=["bullmq", "latest"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="qb-tab qb-tab-latest" aria-current="page"' in html
    for job_id in seeded["prioritized"] + seeded["failed"]:
        assert f'data-job-id="{job_id}"' in html
    assert html.index(f'data-job-id="{seeded["prioritized"][0]}"') < html.index(
        f'data-job-id="{seeded["failed"][0]}"'
    )


def test_django_tasks_one_query_newest_first(staff_client: Client, tasks_backend: Any) -> None:
    from tests import sample_tasks
    from tests.fixtures_tasks import run_worker

    first = sample_tasks.add.using(queue_name="lq").enqueue(1, 2)
    run_worker("lq")
    later = sample_tasks.add.using(
        queue_name="lq", run_after=timezone.now() + timedelta(hours=1)
    ).enqueue(2, 2)
    last = sample_tasks.echo.using(queue_name="lq").enqueue("x")
    url = reverse("queues:api-queue-latest", args=["tasks", "lq"])
    jobs = staff_client.get(url).json()["jobs"]
    assert [j["id"] for j in jobs] == [str(last.id), str(later.id), str(first.id)]
    assert [j["state"] for j in jobs] == ["waiting", "delayed", "completed"]


@pytest.mark.node
def test_node_produced_jobs(staff_client: Client, bullmq_settings: Any, node_produce: Any) -> None:
    ids = node_produce("basic")
    jobs = latest(staff_client, "node-basic", limit=200).json()["jobs"]
    assert {job["id"] for job in jobs} == {i for group in ids.values() for i in group}
    stamps = [job["created_at"] for job in jobs]
    assert stamps == sorted(stamps, reverse=True)
    finished = set(ids["completed"]) | set(ids["failed"])
    assert {job["id"] for job in jobs[-len(finished) :]} == finished
