"""board.request_threads: Django's ASGI handler with request threads reused, one request each.

Requests are sent to the handler as an ASGI server sends them; the views record the thread their
sync code runs in.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.urls import path

from board.request_threads import ExecutorPool, PooledThreadsASGIHandler

seen: list[int] = []
later: list[Any] = []
barrier = threading.Barrier(2, timeout=30)


def _record() -> int:
    seen.append(threading.get_ident())
    return get_user_model().objects.count()  # the database, from the request's thread


async def two_hops(request: HttpRequest) -> HttpResponse:
    first = await sync_to_async(_record)()
    second = await sync_to_async(_record)()
    return HttpResponse(f"{first} {second}")


async def together(request: HttpRequest) -> HttpResponse:
    """Returns only if another request's sync code runs at the same time, in another thread."""
    await sync_to_async(barrier.wait)()
    return HttpResponse("met")


async def outlive(request: HttpRequest) -> HttpResponse:
    async def after() -> int:
        await asyncio.sleep(0.05)
        return await sync_to_async(_record)()

    later.append(asyncio.ensure_future(after()))
    return HttpResponse("started")


urlpatterns = [path("t/hops", two_hops), path("t/together", together), path("t/outlive", outlive)]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]


async def get(app: PooledThreadsASGIHandler, url: str) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": url,
        "raw_path": url.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 80),
    }
    messages: list[dict[str, Any]] = []
    body_sent = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if not body_sent.is_set():
            body_sent.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # no disconnect: the handler stops listening when done
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    return messages[0]["status"], b"".join(m.get("body", b"") for m in messages[1:])


@pytest.fixture
def app() -> PooledThreadsASGIHandler:
    seen.clear()
    later.clear()
    return PooledThreadsASGIHandler()


def test_requests_one_after_another_reuse_one_thread(app: PooledThreadsASGIHandler) -> None:
    async def scenario() -> list[tuple[int, bytes]]:
        return [await get(app, "/t/hops") for _ in range(5)]

    assert asyncio.run(scenario()) == [(200, b"0 0")] * 5
    assert len(set(seen)) == 1  # every hop of every request: the same thread
    assert app.threads.started == 1 and len(app.threads) == 1


def test_concurrent_requests_each_have_their_own_thread(app: PooledThreadsASGIHandler) -> None:
    async def scenario() -> list[tuple[int, bytes]]:
        return list(await asyncio.gather(get(app, "/t/together"), get(app, "/t/together")))

    assert asyncio.run(scenario()) == [(200, b"met"), (200, b"met")]
    assert app.threads.started == 2 and len(app.threads) == 2
    assert asyncio.run(get(app, "/t/hops")) == (200, b"0 0")
    assert app.threads.started == 2  # a kept thread served it


def test_a_task_that_outlives_its_request_still_reaches_the_database(
    app: PooledThreadsASGIHandler,
) -> None:
    async def scenario() -> int:
        assert await get(app, "/t/outlive") == (200, b"started")
        return int(await later[0])

    assert asyncio.run(scenario()) == 0


def test_idle_threads_beyond_the_bound_are_stopped() -> None:
    pool = ExecutorPool(max_idle=1)
    first, second = pool.take(), pool.take()
    pool.give_back(first)
    pool.give_back(second)
    assert len(pool) == 1 and pool.take() is first
    assert second._shutdown
