"""The BullMQ backend behind Sentinel: reads, actions and schedules on the current master, and a
failover (``SENTINEL FAILOVER``) between page views that the next requests ride out."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.core import checks
from django.test import Client
from django.urls import reverse

from queues.backends.bullmq.url import check_url, describe_url
from tests import bullmq_producers as producers
from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant, queue_action, wait_for_run
from tests.fixtures_bullmq import run, where_jobs_are, write_finished_jobs
from tests.redis_sentinel import SentinelSetup, start_sentinel_setup

pytestmark = pytest.mark.django_db(transaction=True)

Q = "py-basic"


@pytest.fixture(scope="module")
def sentinels() -> Iterator[SentinelSetup]:
    setup = start_sentinel_setup()
    yield setup
    setup.stop()


def master_url(setup: SentinelSetup) -> str:
    return f"redis://127.0.0.1:{setup.master_port()}/0"


@pytest.fixture
def sentinel_backend(sentinels: SentinelSetup, settings: Any) -> Any:
    redis.Redis.from_url(master_url(sentinels)).flushall()
    entry = {
        "BACKEND": "queues.backends.bullmq.BullMQBackend",
        "LABEL": "BullMQ",
        "OPTIONS": {"url": sentinels.url, "prefix": "bull"},
    }
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    from queues.backends import backends

    return backends["bullmq"]


@pytest.fixture
def operator(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, *ALL_ACTION_PERMISSIONS))
    return client


def test_sentinel_urls_are_read_and_described_without_credentials() -> None:
    url = "redis+sentinel://board:s%40cret@10.0.0.1:26379,10.0.0.2/mymaster/3"
    check_url(url)
    where = describe_url(url)
    assert where == "mymaster via Sentinel 10.0.0.1:26379,10.0.0.2:26379 (db 3)"
    assert "cret" not in where and "board" not in where
    for bad in (
        "redis+sentinel://h1:26379/",
        "redis+sentinel://h1:port/mymaster",
        "redis+sentinel://h1/mymaster/zero",
        "redis+sentinel://u:p#w@h1/mymaster",
        "redis+sentinel://h1/mymaster/0/extra",
    ):
        with pytest.raises(ValueError) as caught:
            check_url(bad)
        assert str(caught.value) == ""


def test_reads_and_actions_go_to_the_master(
    sentinels: SentinelSetup, sentinel_backend: Any, operator: Client
) -> None:
    ids = asyncio.run(producers.seed_python_queue(master_url(sentinels), Q))
    assert sentinel_backend.check() == []
    page = operator.get(reverse("queues:queue", args=["bullmq", Q]) + "?state=failed")
    assert page.status_code == 200
    assert reverse("queues:job", args=["bullmq", Q, ids["failed"][0]]) in page.content.decode()
    response = operator.post(
        reverse("queues:api-job-action", args=["bullmq", Q, ids["failed"][0], "retry"])
    )
    assert response.status_code == 200, response.content
    assert where_jobs_are(master_url(sentinels), Q)[ids["failed"][0]] == ["wait"]


def test_a_failover_between_page_views_and_a_bulk_retry_after_it(
    sentinels: SentinelSetup, sentinel_backend: Any, operator: Client
) -> None:
    ids = write_finished_jobs(master_url(sentinels), "many", 300)
    overview = reverse("queues:overview")
    queue_page = reverse("queues:queue", args=["bullmq", "many"]) + "?state=failed"
    assert operator.get(queue_page).status_code == 200
    old = sentinels.master_port()
    new = sentinels.failover()
    assert new != old
    for url in (overview, queue_page, reverse("queues:api-queues")):
        response = operator.get(url)
        assert response.status_code == 200, (url, response.content[:500])
    started = queue_action(operator, "bullmq", "many", "retry-all").json()["run"]
    finished = wait_for_run(operator, started["id"])
    assert (finished["status"], finished["done"]) == ("finished", 300)
    where = where_jobs_are(f"redis://127.0.0.1:{new}/0", "many")
    assert sorted(where, key=int) == ids
    assert all(states == ["wait"] for states in where.values())
    # The demoted server, now a replica, has the same (nothing written to it by the board).
    replica = redis.Redis(port=old)
    assert replica.execute_command("ROLE")[0] == b"slave"


def test_schedules_through_the_bullmq_package_use_the_master(
    sentinels: SentinelSetup, sentinel_backend: Any
) -> None:
    asyncio.run(producers.seed_python_scheduler(master_url(sentinels)))
    removed = run(sentinel_backend, sentinel_backend.remove_schedule("py-sched", "hourly-report"))
    assert removed.id == "hourly-report"
    listed = run(sentinel_backend, sentinel_backend.list_schedules("py-sched", 0, 10))
    assert listed.total == 0


def test_sentinel_options_are_checked(settings: Any, sentinels: SentinelSetup) -> None:
    from queues.backends.bullmq import BullMQBackend

    wrong = BullMQBackend(
        "bullmq", {"OPTIONS": {"url": "redis://127.0.0.1:1/0", "sentinel_password": "x"}}
    )
    (message,) = [m for m in wrong.check() if m.level == checks.ERROR]
    assert "need a redis+sentinel:// URL" in message.msg and "'x'" not in message.msg
    typo = BullMQBackend("bullmq", {"OPTIONS": {"url": sentinels.url, "sentinel_pasword": "x"}})
    assert any("Unknown option 'sentinel_pasword'" in m.msg for m in typo.check())
    nobody = f"redis+sentinel://127.0.0.1:{sentinels.sentinel_ports[0]}/no-such-service/0"
    missing = BullMQBackend("bullmq", {"OPTIONS": {"url": nobody}})
    (warning,) = missing.check()
    assert warning.level == checks.WARNING and "no-such-service via Sentinel" in warning.msg


def test_the_live_reader_follows_the_master_across_a_failover(
    sentinels: SentinelSetup, sentinel_backend: Any, settings: Any, staff_user: Any
) -> None:
    from bullmq import Queue

    from tests.live_helpers import communicator, receive_until, session_cookie, stop_live, use_live

    use_live(settings)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    cookie = session_cookie(staff_user)

    async def add(name: str) -> None:
        queue = Queue("followed", {"connection": master_url(sentinels), "prefix": "bull"})
        try:
            await queue.add(name, {})
        finally:
            await queue.close()

    async def scenario() -> list[dict[str, int]]:
        await add("seed")
        comm = communicator("/ws/queue/bullmq/followed/", cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            await receive_until(comm, lambda m: "qb-tab-count-waiting" in m.get("content", ""))
            await asyncio.sleep(0.5)  # the watch reaches the reader
            seen = []
            await add("before")
            message = await receive_until(comm, lambda m: "entered" in m.get("qb", {}))
            seen.append(message["qb"]["entered"])
            await asyncio.to_thread(sentinels.failover)
            await add("after")  # on the new master
            message = await receive_until(comm, lambda m: "entered" in m.get("qb", {}), wait=30)
            seen.append(message["qb"]["entered"])
            return seen
        finally:
            await comm.disconnect()
            await stop_live()

    before, after = asyncio.run(scenario())
    assert before == {"waiting": 1} and after.get("waiting", 0) >= 1


def test_a_sentinel_that_names_no_master_is_a_clear_503(
    sentinels: SentinelSetup, settings: Any, operator: Client
) -> None:
    port = sentinels.sentinel_ports[0]
    entry = {
        "BACKEND": "queues.backends.bullmq.BullMQBackend",
        "OPTIONS": {"url": f"redis+sentinel://127.0.0.1:{port}/no-such-service/0"},
    }
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    page = operator.get(reverse("queues:queue", args=["bullmq", Q]))
    body = page.content.decode()
    assert page.status_code == 503
    assert "no-such-service via Sentinel" in body and "No master found" in body
    assert "Traceback" not in body
