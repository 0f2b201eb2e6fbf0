"""Obliterate a queue: paused first, force for active jobs, the name typed, bounded batches."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import redis
from bullmq import Queue, Worker
from django.test import Client
from django.urls import reverse

from queues.backends import backends
from queues.models import AuditEntry
from tests import bullmq_producers as producers
from tests.actions_helpers import grant, queue_action, wait_for_run

pytestmark = pytest.mark.django_db(transaction=True)

Q = "doomed"
PERMISSIONS = ("obliterate_queues", "pause_queues")


@pytest.fixture
def operator(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, *PERMISSIONS))
    return client


@pytest.fixture
def seeded(bullmq_settings: Any, redis_url: str) -> dict[str, list[str]]:
    """Python bullmq jobs in every common state, the finished ones through a real worker."""
    return asyncio.run(producers.seed_python_queue(redis_url, Q))


def obliterate(client: Client, queue: str = Q, **body: Any) -> Any:
    url = reverse("queues:api-queue-obliterate", args=["bullmq", queue])
    return client.post(url, body, content_type="application/json")


def keys_of(redis_url: str, queue: str) -> list[bytes]:
    server = redis.Redis.from_url(redis_url)
    try:
        return list(server.scan_iter(match=f"bull:{queue}:*", count=10_000))
    finally:
        server.close()


def queue_names(client: Client) -> list[str]:
    body = client.get(reverse("queues:api-queues")).json()
    return [q["name"] for q in body["queues"] if q["backend"] == "bullmq"]


def test_refused_while_not_paused_and_with_a_wrong_name(
    operator: Client, seeded: dict[str, list[str]], redis_url: str
) -> None:
    refused = obliterate(operator, confirm=Q)
    assert refused.status_code == 409 and "Pause" in refused.json()["error"]["message"]
    assert queue_action(operator, "bullmq", Q, "pause").status_code == 200
    before = len(keys_of(redis_url, Q))
    wrong = obliterate(operator, confirm=Q.upper())
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "confirmation_mismatch"
    assert obliterate(operator).status_code == 400
    assert len(keys_of(redis_url, Q)) == before
    refusals = AuditEntry.objects.filter(action="obliterate", outcome="refused")
    assert refusals.count() == 3


def test_obliterates_in_batches_and_the_queue_leaves_the_overview(
    operator: Client, seeded: dict[str, list[str]], redis_url: str, settings: Any
) -> None:
    settings.QUEUEBOARD = {"BULK_BATCH_SIZE": 5}
    asyncio.run(producers.seed_python_queue(redis_url, "survivor"))
    assert Q in queue_names(operator)
    queue_action(operator, "bullmq", Q, "pause")
    response = obliterate(operator, confirm=Q)
    assert response.status_code == 202
    run = wait_for_run(operator, response.json()["run"]["id"])
    assert run["status"] == "finished", run
    assert run["done"] == sum(len(ids) for ids in seeded.values())
    assert run["batches"] >= 3
    assert keys_of(redis_url, Q) == []
    assert keys_of(redis_url, "survivor") != []
    assert queue_names(operator) == ["survivor"]
    entry = AuditEntry.objects.get(action="obliterate", outcome="ok")
    assert entry.affected == run["done"] and entry.params["force"] is False
    page = operator.get(reverse("queues:overview")).content.decode()
    assert f">{Q}<" not in page


def test_an_obliterated_queue_leaves_the_kept_list_without_a_scan(
    operator: Client, seeded: dict[str, list[str]], redis_url: str
) -> None:
    asyncio.run(producers.seed_python_queue(redis_url, "survivor"))
    assert queue_names(operator) == [Q, "survivor"]
    server = redis.Redis.from_url(redis_url)
    assert server.smembers("bull:queueboard:queues") == {Q.encode(), b"survivor"}
    discovery = backends["bullmq"].discovery
    scans = discovery.scans
    queue_action(operator, "bullmq", Q, "pause")
    run = wait_for_run(operator, obliterate(operator, confirm=Q).json()["run"]["id"])
    assert run["status"] == "finished", run
    assert queue_names(operator) == ["survivor"]
    assert server.smembers("bull:queueboard:queues") == {b"survivor"}
    assert discovery.scans == scans  # answered from the list, not from a new scan
    server.close()


def test_active_jobs_need_force(operator: Client, bullmq_settings: Any, redis_url: str) -> None:
    started = asyncio.Event()

    async def hold(job: Any, token: str) -> Any:
        started.set()
        await asyncio.sleep(30)

    async def scenario() -> tuple[int, dict[str, Any]]:
        queue = Queue(Q, producers.opts(redis_url))
        await queue.add("slow", {"n": 1})
        await queue.add("next", {"n": 2})
        worker = Worker(Q, hold, {**producers.opts(redis_url), "lockDuration": 60_000})
        try:
            await asyncio.wait_for(started.wait(), 15)
            await queue.pause()
            loop = asyncio.get_running_loop()
            refused = await loop.run_in_executor(None, lambda: obliterate(operator, confirm=Q))
            forced = await loop.run_in_executor(
                None, lambda: obliterate(operator, confirm=Q, force=True)
            )
            run_id = forced.json()["run"]["id"]
            run = await loop.run_in_executor(None, lambda: wait_for_run(operator, run_id))
            return refused.status_code, {"refused": refused.json(), "run": run}
        finally:
            await worker.close(force=True)
            await queue.close()

    status, seen = asyncio.run(scenario())
    assert status == 409 and "force" in seen["refused"]["error"]["message"]
    assert seen["run"]["status"] == "finished" and seen["run"]["done"] == 2
    assert [k for k in keys_of(redis_url, Q) if not k.endswith(b":lock")] == []


def test_refused_without_permission_csrf_or_on_a_read_only_queue(
    client: Client, staff_user: Any, seeded: dict[str, list[str]], redis_url: str, settings: Any
) -> None:
    async def pause() -> None:
        queue = Queue(Q, producers.opts(redis_url))
        await queue.pause()
        await queue.close()

    asyncio.run(pause())
    client.force_login(grant(staff_user, "pause_queues", "retry_jobs"))
    denied = obliterate(client, confirm=Q)
    assert denied.status_code == 403
    assert "queues.obliterate_queues" in denied.json()["error"]["message"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(grant(staff_user, *PERMISSIONS))
    assert obliterate(strict, confirm=Q).status_code == 403
    entry = dict(settings.QUEUEBOARD_BACKENDS["bullmq"])
    entry["READ_ONLY_QUEUES"] = [Q]
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    client.force_login(grant(staff_user, *PERMISSIONS))
    read_only = obliterate(client, confirm=Q)
    assert read_only.status_code == 403 and "read-only" in read_only.json()["error"]["message"]
    page = client.get(reverse("queues:queue-obliterate", args=["bullmq", Q]))
    assert page.status_code == 403
    assert keys_of(redis_url, Q) != []


def test_the_page_asks_for_the_name_and_checks_it_on_the_server(
    operator: Client, seeded: dict[str, list[str]], redis_url: str
) -> None:
    queue_page = operator.get(reverse("queues:queue", args=["bullmq", Q])).content.decode()
    url = reverse("queues:queue-obliterate", args=["bullmq", Q])
    assert f'href="{url}"' in queue_page
    confirm = operator.get(url).content.decode()
    total = sum(len(ids) for ids in seeded.values())
    assert f"<strong>{total}</strong> jobs" in confirm
    assert 'id="obliterate-not-paused"' in confirm and 'name="confirm"' in confirm
    queue_action(operator, "bullmq", Q, "pause")
    assert 'id="obliterate-not-paused"' not in operator.get(url).content.decode()
    wrong = operator.post(url, {"confirm": "nope"})
    assert wrong.status_code == 400 and keys_of(redis_url, Q) != []
    done = operator.post(url, {"confirm": Q})
    assert done.status_code == 302
    run_id = done["Location"].rstrip("/").split("/")[-1]
    assert wait_for_run(operator, run_id)["status"] == "finished"
    assert keys_of(redis_url, Q) == []


def test_a_queue_of_50000_jobs_without_a_call_over_50_ms(
    operator: Client, bullmq_settings: Any, redis_url: str, settings: Any
) -> None:
    settings.QUEUEBOARD = {"BULK_BATCH_SIZE": 1000}

    async def fill() -> None:
        queue = Queue("huge", producers.opts(redis_url))
        try:
            for start in range(0, 50_000, 5000):
                await queue.addBulk(
                    [{"name": "bulk", "data": {"n": n}} for n in range(start, start + 5000)]
                )
            await queue.pause()
        finally:
            await queue.close()

    asyncio.run(fill())
    server = redis.Redis.from_url(redis_url)
    server.config_set("slowlog-log-slower-than", 1000)  # every call over 1 ms
    server.config_set("slowlog-max-len", 10_000)
    server.slowlog_reset()
    started = time.monotonic()
    response = obliterate(operator, "huge", confirm="huge")
    run = wait_for_run(operator, response.json()["run"]["id"], timeout=120)
    took = time.monotonic() - started
    slow = server.slowlog_get(10_000)
    server.config_set("slowlog-log-slower-than", 10_000)
    server.close()
    assert run["status"] == "finished" and run["done"] == 50_000, run
    assert keys_of(redis_url, "huge") == []
    longest = max((entry["duration"] for entry in slow), default=0)
    print(f"50,000 jobs obliterated in {took:.1f} s, {run['batches']} calls, longest {longest} us")
    print(sorted((e["duration"], e["command"][:50]) for e in slow)[-5:])
    assert longest < 50_000, [(e["duration"], e["command"][:60]) for e in slow[:5]]


@pytest.mark.node
def test_a_node_produced_queue(operator: Client, bullmq_settings: Any, node_produce: Any,
                               redis_url: str) -> None:  # fmt: skip
    ids = node_produce("basic")
    queue_action(operator, "bullmq", "node-basic", "pause")
    response = obliterate(operator, "node-basic", confirm="node-basic")
    run = wait_for_run(operator, response.json()["run"]["id"])
    assert run["status"] == "finished"
    assert run["done"] == sum(len(group) for group in ids.values())
    assert keys_of(redis_url, "node-basic") == []
    assert "node-basic" not in queue_names(operator)


def test_django_tasks_cannot_obliterate(operator: Client, tasks_backend: Any) -> None:
    from tests import sample_tasks

    sample_tasks.add.using(queue_name="tq").enqueue(1, 2)
    url = reverse("queues:api-queue-obliterate", args=["tasks", "tq"])
    refused = operator.post(url, {"confirm": "tq"}, content_type="application/json")
    assert refused.status_code == 403 and "cannot obliterate" in refused.json()["error"]["message"]
    queue = operator.get(reverse("queues:queue", args=["tasks", "tq"])).content.decode()
    assert "/obliterate" not in queue
