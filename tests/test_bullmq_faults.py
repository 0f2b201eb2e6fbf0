"""Redis gone, slow or misconfigured: clear errors at request time, warnings at start-up."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import checks

from queues.backends import InvalidBackend
from queues.backends.bullmq import BullMQBackend
from queues.backends.errors import BackendUnavailable
from queues.backends.types import JobQuery
from queues.states import JobState
from tests import bullmq_producers as producers
from tests.fixtures_bullmq import run
from tests.redis_server import RedisServer, free_port


def backend(**options: Any) -> BullMQBackend:
    return BullMQBackend("bullmq", {"OPTIONS": options})


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP server that accepts connections and never answers (a hung Redis)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


CALLS = {
    "list_queues": lambda b: b.list_queues(),
    "get_queue": lambda b: b.get_queue("q"),
    "list_jobs": lambda b: b.list_jobs(JobQuery("q", JobState.WAITING)),
    "get_job": lambda b: b.get_job("q", "1"),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_redis_stopped(
    bullmq_backend: Any, redis_server: RedisServer, redis_url: str, call: str
) -> None:
    asyncio.run(producers.add_jobs(redis_url, "q", 1))
    run(bullmq_backend, bullmq_backend.list_queues())  # discovery is warm and cached
    redis_server.stop()
    with pytest.raises(BackendUnavailable) as caught:
        run(bullmq_backend, CALLS[call](bullmq_backend))
    message = str(caught.value)
    assert message.startswith(f"Redis at 127.0.0.1:{redis_server.port}/0 did not answer")
    assert "Traceback" not in message and "\n" not in message


def test_redis_stopped_mid_request_with_a_live_client(
    bullmq_backend: Any, redis_server: RedisServer, redis_url: str
) -> None:
    """The loop's client holds an open connection when the server goes away."""
    asyncio.run(producers.add_jobs(redis_url, "q", 1))

    async def scenario() -> None:
        await bullmq_backend.list_queues()
        redis_server.stop()
        await bullmq_backend.get_queue("q")

    with pytest.raises(BackendUnavailable):
        run(bullmq_backend, scenario())


def test_pooled_connections_survive_a_redis_restart(
    bullmq_backend: Any, redis_server: RedisServer, redis_url: str
) -> None:
    """After a restart every pooled connection is dead; each call retries once on a new one."""
    asyncio.run(producers.add_jobs(redis_url, "q", 1))

    async def scenario() -> list[Any]:
        # Several connections in the loop's pool, all open when the server restarts.
        await asyncio.gather(*(bullmq_backend.list_queues() for _ in range(4)))
        await asyncio.to_thread(redis_server.restart)  # empty again: no persistence
        return await asyncio.gather(*(bullmq_backend.list_queues() for _ in range(4)))

    results = run(bullmq_backend, scenario())  # no BackendUnavailable
    assert [[queue.total for queue in queues] for queues in results] == [[0]] * 4


def test_hung_server_times_out(silent_server: str) -> None:
    b = backend(url=silent_server, socket_timeout=0.3, connect_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(BackendUnavailable, match="did not answer"):
        run(b, b.list_queues())
    assert time.monotonic() - started < 3


def test_missing_url_at_request_time() -> None:
    b = backend()
    with pytest.raises(BackendUnavailable, match="no 'url'"):
        run(b, b.list_queues())


def test_password_is_not_shown() -> None:
    b = backend(url=f"redis://user:s3cret@127.0.0.1:{free_port()}/0", connect_timeout=0.5)
    with pytest.raises(BackendUnavailable) as caught:
        run(b, b.list_queues())
    assert "s3cret" not in str(caught.value)


# -- system checks -------------------------------------------------------------------------------


def ids(messages: list[checks.CheckMessage]) -> list[str]:
    return [message.id for message in messages]


def test_check_passes_when_redis_answers(redis_url: str) -> None:
    assert backend(url=redis_url).check() == []


def test_check_warns_when_redis_is_down() -> None:
    messages = backend(url=f"redis://127.0.0.1:{free_port()}/0").check()
    assert ids(messages) == ["queueboard.W001"]
    assert isinstance(messages[0], checks.Warning)
    assert "did not answer" in messages[0].msg


def test_check_warns_quickly_when_redis_hangs(silent_server: str) -> None:
    started = time.monotonic()
    messages = backend(url=silent_server).check()
    assert ids(messages) == ["queueboard.W001"]
    assert time.monotonic() - started < 3


def test_check_errors(redis_url: str) -> None:
    assert ids(backend().check()) == ["queueboard.E005"]
    assert ids(backend(url=redis_url, colour="red").check()) == ["queueboard.E003"]
    assert ids(backend(url=redis_url, queues="one").check()) == ["queueboard.E005"]
    assert ids(backend(url=redis_url, discovery_ttl="soon").check()) == ["queueboard.E005"]
    assert ids(backend(url=redis_url, socket_timeout=0).check()) == ["queueboard.E005"]
    assert backend(url=redis_url, discovery_ttl=0, queues=["a"]).check() == []
    with pytest.raises(InvalidBackend, match="could not be parsed"):  # never created (F10.3)
        backend(url="not a url")


def test_system_check_through_settings(bullmq_settings: Any, settings: Any) -> None:
    from queues.checks import check_backends

    assert [m for m in check_backends() if "bullmq" in m.msg] == []
    broken = {**bullmq_settings, "OPTIONS": {**bullmq_settings["OPTIONS"], "prefx": "x"}}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": broken}
    assert "queueboard.E003" in ids(check_backends())
