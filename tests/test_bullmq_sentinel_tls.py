"""The BullMQ backend through Sentinel over TLS (``rediss+sentinel://``), on a real TLS-only
master, replica and three Sentinels that ask for a client certificate: with the test CA the
pages, actions and the live reader reach the master, and follow it across a failover; a CA
that signed none of them is a clear 503 and a check warning naming TLS, with no credential in
either."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import redis
from django.core import checks
from django.test import Client
from django.urls import reverse

from queues.backends.bullmq.sentinel import parse_sentinel_url
from queues.backends.bullmq.url import check_url, describe_url
from tests import bullmq_producers as producers
from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant
from tests.fixtures_bullmq import configure_bullmq, where_jobs_are, write_finished_jobs
from tests.redis_sentinel import SentinelSetup, start_sentinel_setup

pytestmark = pytest.mark.django_db(transaction=True)

Q = "py-basic"
#: Credentials that must never be shown.
MASTER_SECRET = "m4ster-s3cret"
SENTINEL_SECRET = "s3ntinel-s3cret"


@pytest.fixture(scope="module")
def sentinels() -> Iterator[SentinelSetup]:
    setup = start_sentinel_setup(tls=True)
    yield setup
    setup.stop()


def master_url(setup: SentinelSetup, port: int | None = None) -> str:
    """The current master (or the server on ``port``), for the tests' own clients."""
    assert setup.tls is not None
    query = urlencode(
        {
            "ssl_ca_certs": setup.tls.ca,
            "ssl_certfile": setup.tls.client_cert,
            "ssl_keyfile": setup.tls.client_key,
        }
    )
    return f"rediss://127.0.0.1:{port or setup.master_port()}/0?{query}"


def tls_options(setup: SentinelSetup, **extra: Any) -> dict[str, Any]:
    assert setup.tls is not None
    return {
        "url": setup.url,
        "prefix": "bull",
        "ssl_ca_certs": str(setup.tls.ca),
        "ssl_certfile": str(setup.tls.client_cert),
        "ssl_keyfile": str(setup.tls.client_key),
        **extra,
    }


@pytest.fixture
def clean(sentinels: SentinelSetup) -> SentinelSetup:
    redis.Redis.from_url(master_url(sentinels)).flushall()
    return sentinels


@pytest.fixture
def operator(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, *ALL_ACTION_PERMISSIONS))
    return client


def test_rediss_sentinel_urls_are_read_and_described_without_credentials() -> None:
    url = "rediss+sentinel://board:s%40cret@10.0.0.1:26380,sentinel-b/mymaster/3"
    check_url(url)
    parsed = parse_sentinel_url(url)
    assert parsed.tls and parsed.sentinels == (("10.0.0.1", 26380), ("sentinel-b", 26379))
    assert (parsed.service_name, parsed.db, parsed.password) == ("mymaster", 3, "s@cret")
    assert not parse_sentinel_url("redis+sentinel://h1/mymaster").tls
    assert parse_sentinel_url("REDISS+SENTINEL://h1/mymaster").tls
    where = describe_url(url)
    assert where == "mymaster via Sentinel 10.0.0.1:26380,sentinel-b:26379 (db 3)"
    assert "cret" not in where and "board" not in where
    for bad in ("rediss+sentinel://h1:26379/", "rediss+sentinel://u:p#w@h1/mymaster"):
        with pytest.raises(ValueError) as caught:
            check_url(bad)
        assert str(caught.value) == ""


def test_the_servers_speak_only_tls(sentinels: SentinelSetup) -> None:
    """So the tests below pass only if the board really reaches them over TLS."""
    for port in (sentinels.sentinel_ports[0], sentinels.master_port()):
        with pytest.raises(redis.ConnectionError):
            redis.Redis(host="127.0.0.1", port=port, socket_timeout=1, retry=None).ping()


def test_reads_and_actions_reach_the_master_over_tls(
    clean: SentinelSetup, settings: Any, operator: Client
) -> None:
    backend = configure_bullmq(settings, tls_options(clean))
    assert backend.check() == []
    ids = asyncio.run(producers.seed_python_queue(master_url(clean), Q))
    overview = operator.get(reverse("queues:overview"))
    assert overview.status_code == 200 and Q in overview.content.decode()
    page = operator.get(reverse("queues:queue", args=["bullmq", Q]) + "?state=failed")
    assert page.status_code == 200
    failed = ids["failed"][0]
    assert reverse("queues:job", args=["bullmq", Q, failed]) in page.content.decode()
    job = operator.get(reverse("queues:job", args=["bullmq", Q, failed]))
    assert job.status_code == 200 and failed in job.content.decode()
    retried = operator.post(reverse("queues:api-job-action", args=["bullmq", Q, failed, "retry"]))
    assert retried.status_code == 200, retried.content
    assert where_jobs_are(master_url(clean), Q)[failed] == ["wait"]


def test_a_failover_is_followed_over_tls(
    clean: SentinelSetup, settings: Any, operator: Client
) -> None:
    configure_bullmq(settings, tls_options(clean))
    write_finished_jobs(master_url(clean), "many", 50)
    queue_page = reverse("queues:queue", args=["bullmq", "many"]) + "?state=failed"
    assert operator.get(queue_page).status_code == 200
    old = clean.master_port()
    new = clean.failover()
    assert new != old
    for url in (reverse("queues:overview"), queue_page, reverse("queues:api-queues")):
        response = operator.get(url)
        assert response.status_code == 200, (url, response.content[:500])
    job = operator.get(reverse("queues:job", args=["bullmq", "many", "7"]))
    assert job.status_code == 200
    retried = operator.post(reverse("queues:api-job-action", args=["bullmq", "many", "7", "retry"]))
    assert retried.status_code == 200, retried.content
    assert where_jobs_are(master_url(clean, new), "many")["7"] == ["wait"]
    assert clean.client(old).execute_command("ROLE")[0] == b"slave"


def test_the_live_reader_connects_through_tls_sentinels(
    clean: SentinelSetup, settings: Any
) -> None:
    from queues.backends.changes import CountsMoved, FeedOptions
    from queues.live.feed_follower import WatchedBy
    from queues.live.watches import Watches

    backend = configure_bullmq(settings, tls_options(clean))
    asyncio.run(producers.seed_python_queue(master_url(clean), Q))

    async def names() -> list[str]:
        feed = backend.change_feed(WatchedBy(Watches(5), backend.alias), FeedOptions())
        try:
            snapshot = await anext(feed)
        finally:
            await feed.aclose()
        return [event.summary.name for event in snapshot if isinstance(event, CountsMoved)]

    assert Q in asyncio.run(names())


def test_a_wrong_ca_is_a_clear_503_and_a_check_warning(
    sentinels: SentinelSetup, settings: Any, operator: Client
) -> None:
    assert sentinels.tls is not None
    hosts = ",".join(f"127.0.0.1:{port}" for port in sentinels.sentinel_ports)
    options = tls_options(
        sentinels,
        url=f"rediss+sentinel://board:{MASTER_SECRET}@{hosts}/qbmaster/0",
        ssl_ca_certs=str(sentinels.tls.other_ca),
        sentinel_password=SENTINEL_SECRET,
    )
    backend = configure_bullmq(settings, options)
    (warning,) = backend.check()
    assert warning.level == checks.WARNING
    assert "TLS with Redis at qbmaster via Sentinel" in warning.msg, warning.msg
    assert "certificate" in warning.msg
    overview = operator.get(reverse("queues:overview"))  # the other backends are still shown
    assert overview.status_code == 200
    page = operator.get(reverse("queues:queue", args=["bullmq", Q]))
    assert page.status_code == 503
    api = operator.get(reverse("queues:api-queues"))  # the other backends' queues, and ours' error
    assert api.status_code in (200, 503)
    for body in (page.content.decode(), api.content.decode()):
        assert "TLS with Redis at qbmaster via Sentinel" in body and "certificate" in body, body
        assert "Traceback" not in body
        for secret in (MASTER_SECRET, SENTINEL_SECRET, str(sentinels.directory)):
            assert secret not in body and secret not in warning.msg


def errors(**options: Any) -> list[str]:
    from queues.backends.bullmq import BullMQBackend

    backend = BullMQBackend("bullmq", {"OPTIONS": options})
    return [m.msg for m in backend.check() if m.level >= checks.ERROR]


def test_tls_options_with_a_plain_sentinel_url_are_a_check_error(sentinels: SentinelSetup) -> None:
    """They would be left unused: ``redis+sentinel://`` reaches no server over TLS."""
    (message,) = errors(**tls_options(sentinels, url=sentinels.url.replace("rediss+", "redis+")))
    assert "need a rediss://" in message


def test_the_tls_options_of_a_sentinel_url_are_checked(sentinels: SentinelSetup) -> None:
    (message,) = errors(**tls_options(sentinels, ssl_ca_certs="/no/such/ca.pem"))
    assert "'ssl_ca_certs'" in message and "no readable file" in message
