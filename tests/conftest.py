"""Fixtures shared by the whole suite: a private Redis, backends pointing at it, users."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from tests.redis_server import RedisServer, start_private_redis

pytest_plugins = [
    "tests.fixtures_bullmq",
    "tests.fixtures_tasks",
    "tests.fixtures_rq",
    "tests.fixtures_celery",
]


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test ends in the default language: a test that activates another one (German)
    would otherwise leave it to whichever test runs next in that thread."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Rate-limit counters (``queues.limits``, in the default cache) start empty in each test
    and are emptied after it: users of different tests share ids and names, and their counts
    would add up."""
    from django.core.cache import caches

    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = start_private_redis()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The private Redis, emptied for this test (and restarted if a fault test stopped it)."""
    if redis_server.process is None or redis_server.process.poll() is not None:
        redis_server.start()
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def bullmq_settings(redis_url: str, settings: Any) -> dict[str, Any]:
    """Configure a ``bullmq`` backend on the private Redis next to the ``tasks`` backend."""
    entry = {
        "BACKEND": "queues.backends.bullmq.BullMQBackend",
        "LABEL": "BullMQ",
        "OPTIONS": {"url": redis_url, "prefix": "bull"},
    }
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    return entry


@pytest.fixture
def bullmq_backend(bullmq_settings: dict[str, Any]) -> Any:
    from queues.backends import backends

    return backends["bullmq"]


@pytest.fixture
def staff_user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("staff", password="pw", is_staff=True)


@pytest.fixture
def plain_user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("plain", password="pw")


@pytest.fixture
def staff_client(client: Any, staff_user: Any) -> Any:
    client.force_login(staff_user)
    return client
