"""board.middleware: Django's middleware on the event loop, with Django's behaviour.

Under ASGI the hooks run on the loop and go to a thread only when they may touch the
database; these tests count the thread hops and check that sessions, messages and CSRF still
behave exactly as with Django's classes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.http import HttpRequest, HttpResponse
from django.test import AsyncClient, override_settings
from django.urls import path
from django.views.decorators.csrf import ensure_csrf_cookie

import board.middleware
from board.urls import urlpatterns as board_urls


async def add_message(request: HttpRequest) -> HttpResponse:
    messages.info(request, "stored <b>once</b>")
    return HttpResponse("added")


async def set_session(request: HttpRequest) -> HttpResponse:
    await request.session.aset("colour", "blue")
    return HttpResponse("set")


async def read_session(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(await request.session.aget("colour", "none")))


@ensure_csrf_cookie
async def form(request: HttpRequest) -> HttpResponse:
    return HttpResponse("posted" if request.method == "POST" else "form")


urlpatterns = [
    path("t/message", add_message),
    path("t/set", set_session),
    path("t/read", read_session),
    path("t/form", form),
    *board_urls,
]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Names of the middleware hooks that went to a thread."""
    seen: list[str] = []
    real = board.middleware.sync_to_async

    def counting(func: Any, **kwargs: Any) -> Any:
        seen.append(getattr(func, "__qualname__", repr(func)))
        return real(func, **kwargs)

    monkeypatch.setattr(board.middleware, "sync_to_async", counting)
    yield seen


def test_a_plain_get_stays_on_the_loop(hops: list[str]) -> None:
    async def scenario() -> None:
        response = await AsyncClient().get("/healthz")
        assert response.status_code == 200
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert hops == []

    asyncio.run(scenario())


def test_a_changed_session_is_saved_in_a_thread(hops: list[str]) -> None:
    async def scenario() -> None:
        client = AsyncClient()
        assert (await client.get("/t/set")).status_code == 200
        assert hops == ["SessionMiddleware.process_response"]
        hops.clear()
        assert (await client.get("/t/read")).content == b"blue"
        assert hops == []  # read, not changed: nothing to save

    asyncio.run(scenario())


def test_messages_are_stored_and_shown_once(hops: list[str]) -> None:
    async def scenario() -> None:
        client = AsyncClient()
        user = await get_user_model().objects.acreate_user("m", password="pw", is_staff=True)
        await client.aforce_login(user)
        hops.clear()
        await client.get("/t/message")
        assert hops == ["MessageMiddleware.process_response"]
        first = await client.get("/admin/")
        second = await client.get("/admin/")
        assert first.content.count(b"tored &lt;b&gt;once&lt;/b&gt;") == 1
        assert b"tored &lt;b&gt;once&lt;/b&gt;" not in second.content

    asyncio.run(scenario())


def test_csrf_is_enforced_on_unsafe_methods(hops: list[str]) -> None:
    async def scenario() -> None:
        client = AsyncClient(enforce_csrf_checks=True)
        page = await client.get("/t/form")
        token = page.cookies["csrftoken"].value
        assert hops == []
        refused = await client.post("/t/form", {})
        assert refused.status_code == 403
        assert "CsrfViewMiddleware.process_view" in hops
        accepted = await client.post("/t/form", {"csrfmiddlewaretoken": token})
        assert accepted.status_code == 200
        assert accepted.content == b"posted"

    asyncio.run(scenario())


@override_settings(CSRF_USE_SESSIONS=True)
def test_csrf_kept_in_the_session_goes_to_a_thread(hops: list[str]) -> None:
    async def scenario() -> None:
        client = AsyncClient(enforce_csrf_checks=True)
        await client.get("/t/form")
        assert "CsrfViewMiddleware.process_request" in hops
        assert "CsrfViewMiddleware.process_response" in hops

    asyncio.run(scenario())


def test_the_deploy_checks_accept_the_subclasses() -> None:
    ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert not ids & {"board.W001", "board.W002", "board.W003"}


def test_the_deploy_checks_notice_missing_protection() -> None:
    without = [
        entry
        for entry in board.middleware.__dict__
        if entry.startswith("Loop") and entry != "LoopHooks"
    ]
    kept = [f"board.middleware.{name}" for name in without if "Csrf" not in name]
    with override_settings(MIDDLEWARE=kept):
        ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert "board.W003" in ids
    assert not ids & {"board.W001", "board.W002"}
