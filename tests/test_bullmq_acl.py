"""The BullMQ backend as a Redis ACL user: the documented rules (``acl_rules``) are enough for
every read and action, and a read-only user makes a read-only board with the reason."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse

from queues.backends.actions import JobAction, QueueAction, QueueActionParams
from queues.backends.bullmq.acl import acl_rules
from queues.states import JobState
from tests import bullmq_producers as producers
from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant, queue_action, wait_for_run
from tests.fixtures_bullmq import run, where_jobs_are, write_finished_jobs
from tests.redis_server import RedisServer, start_private_redis

pytestmark = pytest.mark.django_db(transaction=True)

Q = "py-basic"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "redis-acl.md"
READ_ONLY_RULES = (
    "ACL SETUSER viewer on >viewer-secret resetkeys ~bull:* resetchannels "
    "-@all +@read +@scripting -@dangerous +client|list +info +ping"
)


@pytest.fixture(scope="module")
def acl_server() -> Iterator[RedisServer]:
    server = start_private_redis()
    admin = redis.Redis(port=server.port)
    admin.execute_command(*acl_rules("bull", "queueboard", "board-secret").split())
    admin.execute_command(*READ_ONLY_RULES.split())
    yield server
    server.stop()


@pytest.fixture
def admin_url(acl_server: RedisServer) -> str:
    redis.Redis(port=acl_server.port).flushall()
    redis.Redis(port=acl_server.port).acl_log_reset()
    return acl_server.url


def user_url(server: RedisServer, user: str, password: str) -> str:
    return f"redis://{user}:{password}@127.0.0.1:{server.port}/0"


def configure(settings: Any, url: str) -> Any:
    entry = {
        "BACKEND": "queues.backends.bullmq.BullMQBackend",
        "LABEL": "BullMQ",
        "OPTIONS": {"url": url, "prefix": "bull"},
    }
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    from queues.backends import backends

    return backends["bullmq"]


def denied(server: RedisServer) -> list[str]:
    log = redis.Redis(port=server.port, decode_responses=True).acl_log()
    return [f"{entry['reason']}: {entry['object']}" for entry in log]


@pytest.fixture
def operator(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, *ALL_ACTION_PERMISSIONS))
    return client


def test_the_documented_rules_are_enough(
    acl_server: RedisServer, admin_url: str, settings: Any, operator: Client
) -> None:
    ids = asyncio.run(producers.seed_python_queue(admin_url, Q))
    flow = asyncio.run(producers.seed_python_flow(admin_url))
    asyncio.run(producers.seed_python_scheduler(admin_url))
    backend = configure(settings, user_url(acl_server, "queueboard", "board-secret"))
    assert backend.check() == []
    # Reads: every state, a job, search, a flow, workers, schedules.
    for state in ("failed", "completed", "waiting", "delayed", "prioritized", "active"):
        page = operator.get(reverse("queues:queue", args=["bullmq", Q]) + f"?state={state}")
        assert page.status_code == 200, state
    for url in (
        reverse("queues:overview"),
        reverse("queues:api-queues"),
        reverse("queues:job", args=["bullmq", Q, ids["failed"][0]]),
        reverse("queues:queue", args=["bullmq", Q]) + "?state=completed&q=a",
        reverse("queues:api-workers", args=["bullmq", Q]),
    ):
        assert operator.get(url).status_code == 200, url
    assert run(backend, backend.get_flow("py-parents", flow["parent"])) is not None
    assert run(backend, backend.list_schedules("py-sched", 0, 10)).total == 1
    assert run(backend, backend.queues_without_workers([Q])) == {Q}
    # Actions: on jobs, on the queue, bulk runs, schedules.
    assert run(backend, backend.act_on_jobs(Q, JobAction.RETRY, ids["failed"][:1])).done == 1
    assert run(backend, backend.act_on_jobs(Q, JobAction.PROMOTE, ids["delayed"][:1])).done == 1
    assert run(backend, backend.act_on_jobs(Q, JobAction.REMOVE, ids["waiting"][:1])).done == 1
    for action in (QueueAction.PAUSE, QueueAction.RESUME):
        response = queue_action(operator, "bullmq", Q, action.value)
        assert response.status_code == 200, (action, response.content)
    many = write_finished_jobs(admin_url, "many", 120)
    started = queue_action(operator, "bullmq", "many", "retry-all").json()["run"]
    assert wait_for_run(operator, started["id"])["done"] == 120
    assert sorted(where_jobs_are(admin_url, "many"), key=int) == many
    params = QueueActionParams(state=JobState.COMPLETED, grace_ms=0, report_ids=True)
    assert run(backend, backend.queue_step(Q, QueueAction.CLEAN, params, 100)).done >= 1
    run(backend, backend.remove_schedule("py-sched", "hourly-report"))
    assert denied(acl_server) == []


def test_the_rules_are_in_the_docs() -> None:
    assert acl_rules("bull", "queueboard", "<password>") in DOCS.read_text(encoding="utf-8")


def test_the_rules_refuse_what_the_board_never_does(
    acl_server: RedisServer, admin_url: str
) -> None:
    user = redis.Redis.from_url(user_url(acl_server, "queueboard", "board-secret"))
    for command in (("FLUSHALL",), ("KEYS", "*"), ("CONFIG", "GET", "*"), ("SET", "other:1", "x")):
        with pytest.raises(redis.exceptions.NoPermissionError):
            user.execute_command(*command)


def test_a_read_only_user_makes_a_read_only_board(
    acl_server: RedisServer, admin_url: str, settings: Any, operator: Client
) -> None:
    ids = asyncio.run(producers.seed_python_queue(admin_url, Q))
    backend = configure(settings, user_url(acl_server, "viewer", "viewer-secret"))
    page = operator.get(reverse("queues:queue", args=["bullmq", Q]) + "?state=failed")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="qb-read-only-notice"' in body and "docs/redis-acl.md" in body
    assert "The user executing the script can&#x27;t run this command" in body
    assert "@user_script" not in body
    assert "Read-only" in body and "Retry all" not in body
    job_page = operator.get(reverse("queues:job", args=["bullmq", Q, ids["failed"][0]]))
    assert job_page.status_code == 200
    api = operator.get(reverse("queues:api-queues")).json()
    assert [q["read_only"] for q in api["queues"] if q["backend"] == "bullmq"] == [True]
    retry = operator.post(
        reverse("queues:api-job-action", args=["bullmq", Q, ids["failed"][0], "retry"])
    )
    assert retry.status_code == 403
    assert "may not change queues" in retry.json()["error"]["message"]
    assert queue_action(operator, "bullmq", Q, "retry-all").status_code == 403
    assert where_jobs_are(admin_url, Q)[ids["failed"][0]] == ["failed"]
    assert backend.is_queue_read_only(Q)


def test_a_user_without_scripts_gets_a_clear_503(
    acl_server: RedisServer, admin_url: str, settings: Any, operator: Client
) -> None:
    asyncio.run(producers.seed_python_queue(admin_url, Q))
    redis.Redis(port=acl_server.port).execute_command(
        *"ACL SETUSER reader on >reader-secret resetkeys ~bull:* -@all +@read +ping".split()
    )
    configure(settings, user_url(acl_server, "reader", "reader-secret"))
    page = operator.get(reverse("queues:queue", args=["bullmq", Q]))
    body = page.content.decode()
    assert page.status_code == 503
    assert "may not run a command the board needs" in body and "docs/redis-acl.md" in body
    assert "reader-secret" not in body and "Traceback" not in body
    api = operator.get(reverse("queues:api-queues"))
    assert "may not run a command the board needs" in api.content.decode()
    assert "reader-secret" not in api.content.decode()


def test_an_action_before_any_page_changes_nothing_and_says_why(
    acl_server: RedisServer, admin_url: str, settings: Any, operator: Client
) -> None:
    """The first request of a fresh board is an action: Redis refuses its script (nothing is
    changed, the answer quotes the refusal), and from then on the backend is read-only."""
    ids = asyncio.run(producers.seed_python_queue(admin_url, Q))
    configure(settings, user_url(acl_server, "viewer", "viewer-secret"))
    url = reverse("queues:api-job-action", args=["bullmq", Q, ids["failed"][0], "retry"])
    first = operator.post(url)
    assert first.status_code in (403, 409)
    assert "can't run this command" in first.json()["error"]["message"]
    second = operator.post(url)
    assert second.status_code == 403
    assert "docs/redis-acl.md" in second.json()["error"]["message"]
    assert where_jobs_are(admin_url, Q)[ids["failed"][0]] == ["failed"]
