"""A BullMQ queue's limits on a real Redis: the global concurrency set through the board is
what BullMQ itself reads back and what a real Node worker pool obeys; the rate limiter a Node
app sets is shown with the jobs it holds back; setting is refused without the permission, on a
read-only queue and without CSRF, and audited with the values before and after."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
import redis
from bullmq import Queue
from django.test import Client
from django.urls import reverse

from queues.models import AuditEntry
from tests.actions_helpers import grant
from tests.fixtures_bullmq import run_node, start_node_worker, stop_worker

pytestmark = [pytest.mark.node, pytest.mark.django_db]

Q = "limited"


def add(redis_url: str, queue: str, count: int, data: Any = None) -> list[str]:
    out = run_node("add_jobs.mjs", redis_url, queue, str(count), json.dumps(data or {}), "{}")
    return list(json.loads(out))


def package_concurrency(redis_url: str, queue: str) -> int | None:
    """What the Python ``bullmq`` package's own ``getGlobalConcurrency`` reads."""

    async def read() -> int | None:
        q = Queue(queue, {"connection": redis_url, "prefix": "bull"})
        try:
            return await q.getGlobalConcurrency()  # type: ignore[no-any-return]
        finally:
            await q.close()

    return asyncio.run(read())


def set_api(client: Client, value: Any, queue: str = Q) -> Any:
    url = reverse("queues:api-queue-concurrency", args=["bullmq", queue])
    return client.post(url, {"concurrency": value}, content_type="application/json")


@pytest.fixture
def operator(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, "change_concurrency"))
    return client


def test_set_read_back_by_bullmq_and_audited(
    bullmq_backend: Any, node_modules: Any, redis_url: str, operator: Client
) -> None:
    add(redis_url, Q, 2)
    answer = set_api(operator, 3)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"action": "set-concurrency", "before": None, "after": 3}
    assert package_concurrency(redis_url, Q) == 3
    assert set_api(operator, "5").json()["before"] == 3
    removed = set_api(operator, None).json()
    assert (removed["before"], removed["after"]) == (5, None)
    assert package_concurrency(redis_url, Q) is None
    entries = AuditEntry.objects.filter(action="set-concurrency").order_by("id")
    assert [(e.outcome, e.params) for e in entries] == [
        ("ok", {"before": None, "after": 3}),
        ("ok", {"before": 3, "after": 5}),
        ("ok", {"before": 5, "after": None}),
    ]
    limits = operator.get(reverse("queues:api-queue-limits", args=["bullmq", Q])).json()
    assert limits["limits"]["global_concurrency"] is None


def test_a_node_worker_pool_obeys_it(
    bullmq_backend: Any, node_modules: Any, redis_url: str, operator: Client
) -> None:
    ids = add(redis_url, Q, 6, {"sleep": 150, "fail": False})
    assert set_api(operator, 1).status_code == 200
    r = redis.Redis.from_url(redis_url)
    worker = start_node_worker(redis_url, Q, 4, 0)
    most = 0
    try:
        deadline = time.monotonic() + 60
        while r.zcard(f"bull:{Q}:completed") < len(ids):
            assert time.monotonic() < deadline, "the jobs did not complete"
            most = max(most, int(r.llen(f"bull:{Q}:active")))
            time.sleep(0.01)
    finally:
        stop_worker(worker)
    assert most == 1  # a pool of 4, one job at a time
    r.close()


def test_the_rate_limiter_and_its_held_back_jobs(
    bullmq_backend: Any, node_modules: Any, redis_url: str, operator: Client
) -> None:
    add(redis_url, Q, 3)
    url = reverse("queues:api-queue-limits", args=["bullmq", Q])
    assert operator.get(url).json()["limits"]["limiter"] is None
    run_node("rate_limit.mjs", redis_url, Q, "600000")
    limiter = operator.get(url).json()["limits"]["limiter"]
    assert limiter["manual"] is True and limiter["held_back"] == 3
    assert 590_000 < limiter["ttl_ms"] <= 600_000
    page = operator.get(reverse("queues:queue-limits", args=["bullmq", Q]))
    assert page.status_code == 200
    assert "Held by hand" in page.content.decode()
    assert "3 jobs wait" in page.content.decode()


def test_refused_without_permission(
    bullmq_backend: Any, node_modules: Any, redis_url: str, staff_client: Client
) -> None:
    add(redis_url, Q, 1)
    answer = set_api(staff_client, 2)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    assert "queues.change_concurrency" in answer.json()["error"]["message"]
    assert package_concurrency(redis_url, Q) is None
    (entry,) = AuditEntry.objects.filter(action="set-concurrency")
    assert entry.outcome == "refused"
    page = staff_client.get(reverse("queues:queue-limits", args=["bullmq", Q])).content.decode()
    assert 'name="concurrency"' not in page and "queues.change_concurrency" in page


def test_refused_on_a_read_only_queue(
    bullmq_settings: dict[str, Any],
    node_modules: Any,
    redis_url: str,
    operator: Client,
    settings: Any,
) -> None:
    entry = {**bullmq_settings, "READ_ONLY_QUEUES": [Q]}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    add(redis_url, Q, 1)
    answer = set_api(operator, 2)
    assert answer.status_code == 403 and "read-only" in answer.json()["error"]["message"]
    form = reverse("queues:set-concurrency", args=["bullmq", Q])
    assert operator.post(form, {"concurrency": "2"}).status_code == 302
    assert package_concurrency(redis_url, Q) is None


def test_refused_without_csrf(
    bullmq_backend: Any, node_modules: Any, redis_url: str, staff_user: Any
) -> None:
    add(redis_url, Q, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(grant(staff_user, "change_concurrency"))
    assert set_api(client, 2).status_code == 403
    form = reverse("queues:set-concurrency", args=["bullmq", Q])
    assert client.post(form, {"concurrency": "2"}).status_code == 403
    assert package_concurrency(redis_url, Q) is None


def test_the_page_form_sets_and_removes(
    bullmq_backend: Any, node_modules: Any, redis_url: str, operator: Client
) -> None:
    add(redis_url, Q, 1)
    form = reverse("queues:set-concurrency", args=["bullmq", Q])
    here = reverse("queues:queue-limits", args=["bullmq", Q])
    answer = operator.post(form, {"concurrency": "4"}, follow=True)
    assert answer.redirect_chain[-1][0] == here
    assert "Global concurrency set to 4." in answer.content.decode()
    assert package_concurrency(redis_url, Q) == 4
    operator.post(form, {"concurrency": "4", "remove": "1"})
    assert package_concurrency(redis_url, Q) is None
    bad = operator.post(form, {"concurrency": "0"}, follow=True).content.decode()
    assert "whole number from 1 to" in bad and package_concurrency(redis_url, Q) is None


def test_bad_values_are_400(
    bullmq_backend: Any, node_modules: Any, redis_url: str, operator: Client
) -> None:
    add(redis_url, Q, 1)
    for value in (0, -1, 100_001, "many", 2.5, True, [3], {"n": 3}):
        answer = set_api(operator, value)
        assert answer.status_code == 400, (value, answer.content)
        assert answer.json()["error"]["code"] == "bad_request"
    assert package_concurrency(redis_url, Q) is None
    url = reverse("queues:api-queue-concurrency", args=["bullmq", Q])
    missing = operator.post(url, {}, content_type="application/json")
    assert missing.status_code == 400 and "concurrency" in missing.json()["error"]["message"]


def test_unknown_queue_and_get_are_refused(
    bullmq_backend: Any, node_modules: Any, redis_url: str, operator: Client
) -> None:
    assert set_api(operator, 2, queue="nope").status_code == 404
    url = reverse("queues:api-queue-concurrency", args=["bullmq", Q])
    assert operator.get(url).status_code == 405


def test_django_tasks_has_no_limits(staff_client: Client) -> None:
    answer = staff_client.get(reverse("queues:api-queue-limits", args=["tasks", "default"]))
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_supported"


def test_a_jobs_deduplication_id_and_who_holds_it(
    bullmq_backend: Any, node_modules: Any, redis_url: str, staff_client: Client
) -> None:
    opts = json.dumps({"deduplication": {"id": "pay-7", "ttl": 600_000}})
    (first,) = json.loads(run_node("add_jobs.mjs", redis_url, Q, "1", "{}", opts))
    run_node("add_jobs.mjs", redis_url, Q, "1", "{}", opts)  # dropped: pay-7 is held
    r = redis.Redis.from_url(redis_url)
    assert r.llen(f"bull:{Q}:wait") == 1
    url = reverse("queues:job-deduplication", args=["bullmq", Q, first])
    held = staff_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'data-dedup="held"' in held and "Held by this job for 9 min" in held
    job_page = staff_client.get(reverse("queues:job", args=["bullmq", Q, first])).content.decode()
    assert f'hx-get="{url}"' in job_page and "pay-7" in job_page
    r.delete(f"bull:{Q}:de:pay-7")  # as when its TTL runs out
    assert 'data-dedup="free"' in staff_client.get(url).content.decode()
    (plain,) = add(redis_url, Q, 1)
    plain_url = reverse("queues:job-deduplication", args=["bullmq", Q, plain])
    assert "data-dedup" not in staff_client.get(plain_url).content.decode()
    r.close()
