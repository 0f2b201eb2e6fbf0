"""The workers of a BullMQ queue, from one CLIENT LIST: Node's base64 client names and Python's
plain ones, named and unnamed, grouped per worker; on the queue page and in the API, escaped,
and a clear note when the server refuses CLIENT LIST."""

from __future__ import annotations

import asyncio
import base64
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from asgiref.sync import async_to_sync
from django.urls import reverse

from queues.backends.bullmq.workers import group_workers
from queues.backends.types import WorkerInfo
from tests import bullmq_producers as producers

pytestmark = pytest.mark.django_db(transaction=True)


def b64(name: str) -> str:
    return base64.b64encode(name.encode()).decode()


def entry(name: str, addr: str = "10.0.0.5:40000", age: int = 60, idle: int = 1) -> dict[str, Any]:
    return {"name": name, "addr": addr, "age": str(age), "idle": str(idle)}


def test_both_clients_names_are_recognised_and_grouped() -> None:
    clients = [
        entry(f"bull:{b64('mail')}:w:node-a", "10.0.0.1:1001", age=90, idle=3),
        entry(f"bull:{b64('mail')}:w:node-a", "10.0.0.1:1002", age=80, idle=0),
        entry(f"bull:{b64('mail')}", "10.0.0.2:1003"),  # an unnamed Node worker
        entry("bull:mail:w:py-b", "10.0.0.3:1004"),
        entry("bull:mail:w:py-b", "10.0.0.3:1005"),  # Python: a second connection
        entry("bull:mail", "10.0.0.4:1006"),  # an unnamed Python worker
        entry("bull:mail2:w:other-queue"),
        entry(f"bull:{b64('mail2')}:w:other-queue"),
        entry("other:mail:w:other-prefix"),
        entry("bull:mail:wx"),
        entry(""),
        {"addr": "10.0.0.9:1"},
    ]
    assert group_workers(clients, "bull", "mail") == [
        WorkerInfo(name="", host="10.0.0.2", connections=1, age_seconds=60, idle_seconds=1),
        WorkerInfo(name="", host="10.0.0.4", connections=1, age_seconds=60, idle_seconds=1),
        WorkerInfo(name="node-a", host="10.0.0.1", connections=2, age_seconds=90, idle_seconds=0),
        WorkerInfo(name="py-b", host="10.0.0.3", connections=2, age_seconds=60, idle_seconds=1),
    ]


def test_non_ascii_and_colon_queue_names() -> None:
    queue = "mail:é"
    clients = [entry(f"bull:{b64(queue)}:w:n"), entry("bull:mail:w:not-this-one")]
    assert [w.name for w in group_workers(clients, "bull", queue)] == ["n"]


# -- real workers ----------------------------------------------------------------------------


@pytest.fixture
def py_worker(redis_url: str) -> Iterator[None]:
    """A Python bullmq worker named "py-w" on queue "wq", on a loop in a thread of its own."""
    from bullmq import Worker

    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def run() -> None:
        async def work(job: Any, token: str) -> int:
            return 1

        worker = Worker("wq", work, {**producers.opts(redis_url), "name": "py-w"})
        await stop.wait()
        await worker.close()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    client = redis.Redis.from_url(redis_url)
    try:
        wait_until(lambda: any(c["name"] == "bull:wq:w:py-w" for c in client.client_list()))
        yield
    finally:
        client.close()
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


def wait_until(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_node_and_a_python_worker_on_the_page_and_in_the_api(
    staff_client: Any, bullmq_backend: Any, redis_url: str, node_worker: Any, py_worker: None
) -> None:
    asyncio.run(producers.add_jobs(redis_url, "wq", 1))
    node_worker("wq", 1)
    workers = async_to_sync(bullmq_backend.list_workers)("wq")
    names = {w.name: w for w in workers}
    assert set(names) == {"node-test-worker", "py-w"}
    assert names["py-w"].host == "127.0.0.1"
    assert names["py-w"].connections >= 1

    page = staff_client.get(reverse("queues:queue", args=["bullmq", "wq"])).content.decode()
    section = re.search(r'<details id="workers".*?</details>', page, re.S)
    assert section, page
    assert '<span class="qb-count">2</span>' in section.group(0)
    assert "<td>node-test-worker</td>" in section.group(0)
    assert "<td>py-w</td>" in section.group(0)

    api = staff_client.get(reverse("queues:api-workers", args=["bullmq", "wq"])).json()
    assert api["supported"] is True
    assert {w["name"] for w in api["workers"]} == {"node-test-worker", "py-w"}
    assert set(api["workers"][0]) == {"name", "host", "connections", "age_seconds", "idle_seconds"}


def test_a_hostile_worker_name_is_escaped(
    staff_client: Any, bullmq_settings: dict[str, Any], redis_url: str
) -> None:
    asyncio.run(producers.add_jobs(redis_url, "wq", 1))
    hostile = "<img/src=x/onerror=alert(1)>"
    client = redis.Redis.from_url(redis_url)
    try:
        client.client_setname(f"bull:wq:w:{hostile}")
        page = staff_client.get(reverse("queues:queue", args=["bullmq", "wq"])).content.decode()
    finally:
        client.close()
    assert "<img/src=x" not in page
    assert "&lt;img/src=x/onerror=alert(1)&gt;" in page


def test_no_workers(staff_client: Any, bullmq_settings: dict[str, Any], redis_url: str) -> None:
    asyncio.run(producers.add_jobs(redis_url, "wq", 1))
    page = staff_client.get(reverse("queues:queue", args=["bullmq", "wq"])).content.decode()
    assert '<span class="qb-count">0</span>' in page
    assert "No worker is connected to this queue." in page
    api = staff_client.get(reverse("queues:api-workers", args=["bullmq", "wq"])).json()
    assert api == {"supported": True, "workers": []}


def test_client_list_refused(
    staff_client: Any, settings: Any, bullmq_settings: dict[str, Any], redis_url: str
) -> None:
    """A Redis user without CLIENT (an ACL, as hosted services set): the page says why, the
    rest of it works; the API answers 503 with its own code."""
    asyncio.run(producers.add_jobs(redis_url, "wq", 1))
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
        response = staff_client.get(reverse("queues:queue", args=["bullmq", "wq"]))
        assert response.status_code == 200
        page = response.content.decode()
        assert "refused CLIENT LIST" in page
        assert "allow that command to the board&#x27;s Redis user to see them" in page
        assert 'class="qb-job-row' in page
        api = staff_client.get(reverse("queues:api-workers", args=["bullmq", "wq"]))
        assert api.status_code == 503
        assert api.json()["error"]["code"] == "workers_unavailable"
    finally:
        admin.acl_deluser("board")
        admin.close()


def test_backends_without_workers(staff_client: Any, tasks_contract_env: Any) -> None:
    page = staff_client.get(reverse("queues:queue", args=["tasks", "contract"])).content.decode()
    assert 'id="workers"' not in page
    api = staff_client.get(reverse("queues:api-workers", args=["tasks", "contract"])).json()
    assert api == {"supported": False, "workers": []}
