"""Failure groups of BullMQ queues whose failures real Node and Python workers wrote: the
grouping, the window, the API and pages, and group runs racing a real worker."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import redis
from bullmq import Queue
from django.test import Client
from django.urls import reverse

from queues.failure_groups import read_groups
from queues.models import AuditEntry
from tests import bullmq_producers as producers
from tests.fixtures_bullmq import run, run_node
from tests.test_bullmq_actions_api import grant, wait_for_run

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.node]

Q = "causes"


@pytest.fixture
def node_causes(node_modules: Path, redis_url: str, bullmq_settings: Any) -> list[list[str]]:
    """A hundred failures of three causes by the Node worker of ``failure_causes.mjs``."""
    out = run_node("failure_causes.mjs", redis_url, Q, "100")
    ids: list[list[str]] = json.loads(out.strip().splitlines()[-1])
    return ids


def groups_url(queue: str = Q) -> str:
    return reverse("queues:api-failure-groups", args=["bullmq", queue])


def group_url(key: str, action: str, queue: str = Q) -> str:
    return reverse("queues:api-failure-group-action", args=["bullmq", queue, key, action])


@pytest.fixture
def operator(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, "retry_jobs", "remove_jobs"))
    return client


def test_hundred_node_failures_group_into_three(bullmq_backend: Any, node_causes: Any) -> None:
    found = run(bullmq_backend, read_groups(bullmq_backend, Q))
    assert found.scanned == 100 and found.complete
    by_cause = {g.cause: g for g in found.groups}
    assert set(by_cause) == {
        "TypeError: User <n> not found (<email>)",
        "Error: Payment <uuid> declined: amount <n> for <value>",
        "RangeError: Timeout after <n>ms reading <hex> from <value>",
    }
    names = {"TypeError": "sync-user", "Error": "charge", "RangeError": "fetch"}
    for cause, group in by_cause.items():
        index = list(names).index(cause.split(":")[0])
        assert group.count == len(node_causes[index])
        assert group.job_names == [names[cause.split(":")[0]]]
        assert group.sample_job_id in node_causes[index]
        assert group.first_seen and group.last_seen and group.first_seen <= group.last_seen
        assert group.frame.startswith("at ")  # the function that threw
    assert "findUser" in by_cause["TypeError: User <n> not found (<email>)"].frame


async def _python_causes(url: str) -> None:
    queue = Queue("py-causes", producers.opts(url))

    async def processor(job: Any, token: str) -> Any:
        n = job.data["n"]
        if n % 3 == 0:
            raise KeyError(f"order-{n} missing for ops{n}@example.org")
        if n % 3 == 1:
            raise producers.ContractError(f"row {n} of '{job.id}' rejected")
        raise ValueError(f"bad checksum 0x{n * 4099:x} in 00000000-0000-4000-8000-{n:012d}")

    try:
        for n in range(60):
            await queue.add(f"py-{n % 3}", {"n": n})
        await producers.process_all(url, queue, processor, 60)
    finally:
        await queue.close()


def test_python_worker_failures_group_into_three(bullmq_backend: Any, redis_url: str) -> None:
    asyncio.run(_python_causes(redis_url))
    found = run(bullmq_backend, read_groups(bullmq_backend, "py-causes"))
    assert sorted(g.count for g in found.groups) == [20, 20, 20]
    causes = sorted(g.cause for g in found.groups)
    assert causes == [
        "KeyError: <value>",  # str(KeyError) quotes its message
        "ValueError: bad checksum <hex> in <uuid>",
        # A traceback names a class of another module by its full path.
        "tests.bullmq_producers.ContractError: row <n> of <value> rejected",
    ]
    assert {g.frame for g in found.groups} == {"File <value>, line <n>, in processor"}


def test_window_bound_and_incomplete(operator: Client, node_causes: Any, settings: Any) -> None:
    settings.QUEUEBOARD = {"FAILURE_GROUPS_SCAN": 10}
    body = operator.get(groups_url()).json()
    assert body["scanned"] == 10 and body["complete"] is False
    assert sum(g["count"] for g in body["groups"]) == 10
    assert set(body["groups"][0]) == {
        "key", "cause", "frame", "count", "first_seen", "last_seen", "job_names", "sample_job_id",
    }  # fmt: skip
    page = operator.get(reverse("queues:failure-groups", args=["bullmq", Q]))
    assert page.status_code == 200
    assert b"Stopped after the newest 10 failed jobs" in page.content


def test_api_key_is_stable(operator: Client, node_causes: Any) -> None:
    first = {g["key"]: g["cause"] for g in operator.get(groups_url()).json()["groups"]}
    again = {g["key"]: g["cause"] for g in operator.get(groups_url()).json()["groups"]}
    assert first == again and len(first) == 3


def _processed(url: str) -> Counter[str]:
    r = redis.Redis.from_url(url, decode_responses=True)
    try:
        return Counter(json.loads(item)["id"] for item in r.lrange("race:processed", 0, -1))
    finally:
        r.close()


def _failed_ids(url: str, queue: str) -> set[str]:
    r = redis.Redis.from_url(url, decode_responses=True)
    try:
        return set(r.zrange(f"bull:{queue}:failed", 0, -1))
    finally:
        r.close()


def test_group_retry_touches_only_its_group_racing_a_worker(
    operator: Client, node_causes: Any, node_worker: Any, redis_url: str, settings: Any
) -> None:
    """worker.mjs fails the retried jobs again at once, with another cause ("planned failure
    of <id>"): the run retries each job of the group once, and no job of the other causes."""
    settings.QUEUEBOARD = {"BULK_BATCH_SIZE": 5}
    groups = operator.get(groups_url()).json()["groups"]
    target = next(g for g in groups if g["cause"].startswith("TypeError"))
    node_worker(Q, concurrency=20)
    answer = operator.post(group_url(target["key"], "retry"), content_type="application/json")
    assert answer.status_code == 202, answer.content
    run_ = wait_for_run(operator, answer.json()["run"]["id"])
    assert run_["status"] == "finished" and run_["done"] == len(node_causes[0])
    assert run_["expected"] == len(node_causes[0])
    deadline = time.monotonic() + 30
    while sum(_processed(redis_url).values()) < len(node_causes[0]):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    processed = _processed(redis_url)
    assert set(processed) == set(node_causes[0]) and set(processed.values()) == {1}
    after = {g["cause"]: g["count"] for g in operator.get(groups_url()).json()["groups"]}
    assert after == {
        "Error: Payment <uuid> declined: amount <n> for <value>": len(node_causes[1]),
        "RangeError: Timeout after <n>ms reading <hex> from <value>": len(node_causes[2]),
        "Error: planned failure of <n>": len(node_causes[0]),
    }
    entry = AuditEntry.objects.filter(action="retry-group").order_by("created_at").last()
    assert entry is not None and entry.params["group"] == target["key"]


async def _add_failing(url: str, queue_name: str, count: int) -> list[str]:
    queue = Queue(queue_name, producers.opts(url))
    try:
        return [(await queue.add("again", {"fail": True})).id for _ in range(count)]
    finally:
        await queue.close()


def test_group_retry_only_jobs_failed_before_the_run(
    operator: Client, node_worker: Any, redis_url: str, settings: Any, bullmq_settings: Any
) -> None:
    """The worker fails each retried job again with the same cause: those failures came after
    the run started, so the run does not retry them again (each job runs exactly twice)."""
    settings.QUEUEBOARD = {"BULK_BATCH_SIZE": 4}
    ids = asyncio.run(_add_failing(redis_url, "again", 40))
    node_worker("again", concurrency=20)
    deadline = time.monotonic() + 30
    while len(_failed_ids(redis_url, "again")) < 40:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    (group,) = operator.get(groups_url("again")).json()["groups"]
    assert group["cause"] == "Error: planned failure of <n>" and group["count"] == 40
    answer = operator.post(group_url(group["key"], "retry", "again"))
    assert answer.status_code == 202, answer.content
    run_ = wait_for_run(operator, answer.json()["run"]["id"])
    assert run_["status"] == "finished" and run_["done"] == 40, run_
    while len(_failed_ids(redis_url, "again")) < 40 or sum(_processed(redis_url).values()) < 80:
        assert time.monotonic() < deadline + 30
        time.sleep(0.05)
    time.sleep(0.3)
    assert _processed(redis_url) == Counter({job_id: 2 for job_id in ids})


def test_group_remove(operator: Client, node_causes: Any, redis_url: str) -> None:
    groups = operator.get(groups_url()).json()["groups"]
    target = next(g for g in groups if g["cause"].startswith("RangeError"))
    answer = operator.post(group_url(target["key"], "remove"))
    assert answer.status_code == 202 and answer.json()["action"] == "remove-group"
    run_ = wait_for_run(operator, answer.json()["run"]["id"])
    assert run_["done"] == len(node_causes[2])
    left = _failed_ids(redis_url, Q)
    assert left == set(node_causes[0]) | set(node_causes[1])


def test_unknown_group_404(operator: Client, node_causes: Any) -> None:
    answer = operator.post(group_url("0123456789ab", "retry"))
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "failure_group_not_found"


def test_refusals(
    client: Client, staff_user: Any, node_causes: Any, settings: Any, bullmq_settings: Any
) -> None:
    client.force_login(staff_user)  # may view, may not retry
    key = client.get(groups_url()).json()["groups"][0]["key"]
    answer = client.post(group_url(key, "retry"))
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    assert "queues.retry_jobs" in answer.json()["error"]["message"]
    refused = AuditEntry.objects.get(action="retry-group")
    assert refused.outcome == AuditEntry.Outcome.REFUSED
    client.force_login(grant(staff_user, "retry_jobs", "remove_jobs"))
    settings.QUEUEBOARD_BACKENDS = {
        **settings.QUEUEBOARD_BACKENDS, "bullmq": {**bullmq_settings, "READ_ONLY": True}
    }  # fmt: skip
    answer = client.post(group_url(key, "remove"))
    assert answer.status_code == 403 and "read-only" in answer.json()["error"]["message"]
    page = client.get(reverse("queues:failure-groups", args=["bullmq", Q]))
    assert b"Retry group" not in page.content


def test_csrf_refused(staff_user: Any, node_causes: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(grant(staff_user, "retry_jobs"))
    key = client.get(groups_url()).json()["groups"][0]["key"]
    assert client.post(group_url(key, "retry")).status_code == 403
    page = reverse("queues:failure-group-action", args=["bullmq", Q, key, "retry"])
    assert client.post(page).status_code == 403
    assert not AuditEntry.objects.filter(action="retry-group").exists()


def test_pages_confirm_and_run(operator: Client, node_causes: Any) -> None:
    page = operator.get(reverse("queues:queue", args=["bullmq", Q]) + "?state=failed")
    assert reverse("queues:failure-groups", args=["bullmq", Q]).encode() in page.content
    groups = operator.get(reverse("queues:failure-groups", args=["bullmq", Q]))
    assert groups.status_code == 200 and groups.content.count(b'data-group="') == 3
    key = operator.get(groups_url()).json()["groups"][0]["key"]
    url = reverse("queues:failure-group-action", args=["bullmq", Q, key, "retry"])
    confirm = operator.get(url)
    assert confirm.status_code == 200 and b"<strong>34</strong>" in confirm.content
    done = operator.post(url)
    assert done.status_code == 302 and "/runs/" in done["Location"]
    board = operator.get(reverse("queues:failures"))
    assert board.status_code == 200 and b"All failures by cause" in board.content


def test_hostile_causes_escaped(operator: Client, redis_url: str, bullmq_settings: Any) -> None:
    hostile = '<img src=x onerror=alert(1)>"}]</script>'
    r = redis.Redis.from_url(redis_url)
    try:
        fields = producers.job_hash(
            "h1", failedReason=hostile, finishedOn=int(time.time() * 1000) - 5,
            stacktrace=json.dumps([f"Error: {hostile}\n    at <b>evil</b> (x.js:1:1)"]),
        )  # fmt: skip
        r.hset("bull:hostile:h1", mapping=fields)
        r.zadd("bull:hostile:failed", {"h1": int(time.time() * 1000) - 5})
        r.hset("bull:hostile:meta", "opts.maxLenEvents", 10000)
    finally:
        r.close()
    body = operator.get(groups_url("hostile"))
    assert body.json()["groups"][0]["frame"] == "at <b>evil</b> (x.js:<n>)"
    assert b"<img" not in body.content and b"</script>" not in body.content
    page = operator.get(reverse("queues:failure-groups", args=["bullmq", "hostile"]))
    assert b"<img src" not in page.content and b"<b>evil" not in page.content
    assert b"&lt;img src=x onerror=alert(&lt;n&gt;)&gt;" in page.content
