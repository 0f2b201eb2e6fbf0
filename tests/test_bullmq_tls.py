"""The BullMQ backend over TLS (``rediss://``) to a real TLS-only redis-server that asks for a
client certificate: reads and actions with the right CA and certificate; a wrong CA, a wrong
host name or no client certificate give a clear 503 on pages and in the API; the options are
checked by ``manage.py check``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core import checks
from django.test import Client
from django.urls import reverse

from tests import bullmq_producers as producers
from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant, queue_action, wait_for_run
from tests.fixtures_bullmq import configure_bullmq, run, where_jobs_are, write_finished_jobs
from tests.redis_tls import TLSRedis, start_tls_redis

pytestmark = pytest.mark.django_db(transaction=True)

Q = "py-basic"


@pytest.fixture(scope="module")
def tls_redis() -> Iterator[TLSRedis]:
    server = start_tls_redis()
    yield server
    server.stop()


def seed_url(server: TLSRedis) -> str:
    """A URL for the tests' own clients (redis-py reads TLS files from the query too)."""
    query = urlencode(
        {
            "ssl_ca_certs": server.ca,
            "ssl_certfile": server.client_cert,
            "ssl_keyfile": server.client_key,
        }
    )
    return f"{server.url()}?{query}"


@pytest.fixture
def clean(tls_redis: TLSRedis) -> TLSRedis:
    tls_redis.client().flushall()
    return tls_redis


@pytest.fixture
def operator(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, *ALL_ACTION_PERMISSIONS))
    return client


def test_reads_and_actions_over_tls(clean: TLSRedis, settings: Any, operator: Client) -> None:
    backend = configure_bullmq(settings, clean.options())
    assert backend.check() == []
    ids = asyncio.run(producers.seed_python_queue(seed_url(clean), Q))
    page = operator.get(reverse("queues:queue", args=["bullmq", Q]) + "?state=failed")
    assert page.status_code == 200
    assert reverse("queues:job", args=["bullmq", Q, ids["failed"][0]]) in page.content.decode()
    retried = operator.post(
        reverse("queues:api-job-action", args=["bullmq", Q, ids["failed"][0], "retry"])
    )
    assert retried.status_code == 200, retried.content
    many = write_finished_jobs(seed_url(clean), "many", 120)
    started = queue_action(operator, "bullmq", "many", "retry-all").json()["run"]
    assert wait_for_run(operator, started["id"])["done"] == 120
    assert sorted(where_jobs_are(seed_url(clean), "many"), key=int) == many
    workers = operator.get(reverse("queues:api-workers", args=["bullmq", Q]))
    assert workers.status_code == 200


def test_schedules_over_tls(clean: TLSRedis, settings: Any) -> None:
    backend = configure_bullmq(settings, clean.options())
    asyncio.run(producers.seed_python_scheduler(seed_url(clean)))
    removed = run(backend, backend.remove_schedule("py-sched", "hourly-report"))
    assert removed.id == "hourly-report"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("wrong-ca", "certificate"),
        ("wrong-host", "hostname"),
        ("no-client-certificate", "TLS"),
    ],
)
def test_tls_failures_are_a_clear_503(
    clean: TLSRedis, settings: Any, operator: Client, change: str, words: str
) -> None:
    options = clean.options()
    if change == "wrong-ca":
        options["ssl_ca_certs"] = str(clean.other_ca)
    elif change == "wrong-host":
        options["url"] = clean.url("127.0.0.1")
    else:
        del options["ssl_certfile"], options["ssl_keyfile"]
    backend = configure_bullmq(settings, options)
    overview = reverse("queues:overview")  # the other backends' queues are still shown
    for url in (overview, reverse("queues:queue", args=["bullmq", Q])):
        response = operator.get(url)
        body = response.content.decode()
        assert response.status_code == (200 if url == overview else 503), url
        assert "TLS" in body and words in body, body
        assert "Traceback" not in body and str(clean.directory) not in body
    api = operator.get(reverse("queues:api-queues"))
    assert api.status_code in (200, 503)
    text = api.content.decode()
    assert "TLS" in text and words in text, text
    (warning,) = backend.check()
    assert warning.level == checks.WARNING and "TLS" in warning.msg


def test_tls_options_are_checked(tls_redis: TLSRedis, tmp_path: Path) -> None:
    from queues.backends.bullmq import BullMQBackend

    def errors(**options: Any) -> list[str]:
        backend = BullMQBackend("bullmq", {"OPTIONS": options})
        return [m.msg for m in backend.check() if m.level >= checks.ERROR]

    missing = str(tmp_path / "no-such-ca.pem")
    (message,) = errors(**tls_redis.options(ssl_ca_certs=missing))
    assert "'ssl_ca_certs'" in message and "no readable file" in message
    (message,) = errors(**tls_redis.options(ssl_check_hostname="yes"))
    assert "'ssl_check_hostname'" in message
    (message,) = errors(url="redis://localhost:1/0", ssl_ca_certs=str(tls_redis.ca))
    assert "need a rediss:// URL" in message
    (message,) = errors(**tls_redis.options(ssl_ca_cert=str(tls_redis.ca)))
    assert "Unknown option 'ssl_ca_cert'" in message
    options = tls_redis.options()
    del options["ssl_keyfile"]
    (message,) = errors(**options)
    assert "go together" in message


def test_the_live_reader_connects_over_tls(clean: TLSRedis, settings: Any) -> None:
    from queues.backends.changes import CountsMoved, FeedOptions
    from queues.live.feed_follower import WatchedBy
    from queues.live.watches import Watches

    backend = configure_bullmq(settings, clean.options())
    asyncio.run(producers.seed_python_queue(seed_url(clean), Q))

    async def names() -> list[str]:
        feed = backend.change_feed(WatchedBy(Watches(5), backend.alias), FeedOptions())
        try:
            snapshot = await anext(feed)
        finally:
            await feed.aclose()
        return [event.summary.name for event in snapshot if isinstance(event, CountsMoved)]

    assert Q in asyncio.run(names())
