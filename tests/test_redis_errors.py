"""Redis errors read the same for every backend (``queues/backends/redis_errors.py``), caused
on a real server: one that is away, one that is full, a user its ACL refuses, a bad value."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from queues.backends.errors import BackendError, BackendFull, BackendUnavailable
from queues.backends.redis_errors import RedisErrors
from tests.redis_server import free_port

WHERE = "127.0.0.1:6390/0"


@pytest.fixture
def r(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.config_set("maxmemory", 0)
    client.close()


def raised(errors: RedisErrors, call: Any) -> Exception:
    with pytest.raises((BackendError, BackendUnavailable)) as caught, errors.translated():
        call()
    return caught.value


def test_a_server_away_did_not_answer() -> None:
    away = redis.Redis(port=free_port(), socket_connect_timeout=1)
    error = raised(RedisErrors(WHERE), away.ping)
    assert isinstance(error, BackendUnavailable)
    assert str(error).startswith(f"Redis at {WHERE} did not answer (")


def test_a_full_server_says_so(r: redis.Redis) -> None:
    r.set("filler", "x" * 100_000)
    r.config_set("maxmemory", 1)
    error = raised(RedisErrors(WHERE), lambda: r.set("more", "y"))
    assert isinstance(error, BackendFull) and "maxmemory" in str(error)


def test_an_acl_refusal_is_said_where_the_backend_says_how(r: redis.Redis, redis_url: str) -> None:
    r.acl_setuser("limited", enabled=True, passwords=["+pw"], keys=["a*"], commands=["+get"])
    limited = redis.Redis.from_url(redis_url, username="limited", password="pw")
    try:
        plain = raised(RedisErrors(WHERE), lambda: limited.get("bull:x"))
        assert type(plain) is BackendError
        assert str(plain).startswith(f"Redis at {WHERE} refused a command (")
        told = RedisErrors(WHERE, acl_words=("NOPERM",), acl_message="{where} may not: {error}")
        refused = raised(told, lambda: limited.get("bull:x"))
        assert isinstance(refused, BackendUnavailable)
        assert str(refused).startswith(f"{WHERE} may not: ")
    finally:
        limited.close()
        r.acl_deluser("limited")


def test_more_errors_of_a_backend_and_never_the_text_of_a_value_error() -> None:
    class Failover(Exception):
        pass

    errors = RedisErrors(WHERE, unavailable=(Failover,), refused=(KeyError,))

    def fail(exc: Exception) -> Any:
        def call() -> None:
            raise exc

        return call

    assert isinstance(raised(errors, fail(Failover("CLUSTERDOWN"))), BackendUnavailable)
    assert "refused a command" in str(raised(errors, fail(KeyError("slot"))))
    secret = raised(errors, fail(ValueError("redis://:hunter2@host")))
    assert "hunter2" not in str(secret) and "ValueError" in str(secret)
