"""Django's standard middleware, run on the event loop when a hook does no I/O.

Under ASGI, Django runs each hook of a sync-style middleware (``process_request``,
``process_view``, ``process_response``) through ``sync_to_async``: one hop to a worker thread
and back per hook, about a dozen per request with the usual stack, which is most of the time a
small request takes (see ``bench/results/overview_vs_bull_board.md``). Most of those hooks only
read headers and set attributes. Each class here is one Django middleware whose own hooks are
called directly on the event loop, and in a thread only when that hook may touch the database
(a session to save, messages to store, the CSRF secret kept in the session, a request body to
parse). Behaviour is Django's: the hooks are Django's; only where they run changes.

Under WSGI (or Django's sync test client) each runs exactly as Django's does.

Authentication also keeps each session's user in memory for a few seconds (``auth_cache``), so
that most requests read neither the session nor the user from the database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.locale import LocaleMiddleware
from django.middleware.security import SecurityMiddleware

from . import auth_cache

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


async def _call(in_thread: bool, hook: Callable[..., Any], *args: Any) -> Any:
    if in_thread:
        return await sync_to_async(hook, thread_sensitive=True)(*args)
    return hook(*args)


class LoopHooks:
    """Mixed into a Django middleware class: its hooks run on the loop unless they need a thread.

    Subclasses say when a hook needs one (default: never). The class stays a subclass of
    Django's, so checks that look for Django's middleware (the admin's) still find it.
    """

    async_mode: bool
    get_response: Callable[[HttpRequest], Any]

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        super().__init__(get_response)  # type: ignore[call-arg]
        if self.async_mode and hasattr(self, "process_view"):
            # Django adapts process_view by its kind: a coroutine function is awaited as is.
            self.process_view = self._aprocess_view

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self._acall(request)
        return super().__call__(request)  # type: ignore[misc]

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        response = None
        process_request = getattr(self, "process_request", None)
        if process_request is not None:
            response = await _call(self.request_needs_thread(request), process_request, request)
        if response is None:
            get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
            response = await get_response(request)
        process_response = getattr(self, "process_response", None)
        if process_response is not None:
            in_thread = self.response_needs_thread(request, response)
            response = await _call(in_thread, process_response, request, response)
        return response

    async def _aprocess_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        hook = super().process_view  # type: ignore[misc]  # Django's, not the attribute above
        return await _call(self.view_needs_thread(request), hook, request, view, args, kwargs)

    def request_needs_thread(self, request: HttpRequest) -> bool:
        return False

    def view_needs_thread(self, request: HttpRequest) -> bool:
        return False

    def response_needs_thread(self, request: HttpRequest, response: HttpResponseBase) -> bool:
        return False


class LoopSecurityMiddleware(LoopHooks, SecurityMiddleware):
    """Headers and the HTTPS redirect only."""


class LoopSessionMiddleware(LoopHooks, SessionMiddleware):
    """Creating the (lazy) session is free; saving a changed one writes to its store."""

    def response_needs_thread(self, request: HttpRequest, response: HttpResponseBase) -> bool:
        session = getattr(request, "session", None)
        return session is not None and bool(session.modified or settings.SESSION_SAVE_EVERY_REQUEST)


class LoopLocaleMiddleware(LoopHooks, LocaleMiddleware):
    """The language from the request's cookie or ``Accept-Language``: headers only, no I/O."""


class LoopCommonMiddleware(LoopHooks, CommonMiddleware):
    """User agents, www and slash redirects, Content-Length: no I/O."""


class LoopCsrfViewMiddleware(LoopHooks, CsrfViewMiddleware):
    """Safe methods are accepted from headers alone; unsafe ones parse the body in a thread."""

    def request_needs_thread(self, request: HttpRequest) -> bool:
        return bool(settings.CSRF_USE_SESSIONS)

    def view_needs_thread(self, request: HttpRequest) -> bool:
        return bool(settings.CSRF_USE_SESSIONS) or request.method not in SAFE_METHODS

    def response_needs_thread(self, request: HttpRequest, response: HttpResponseBase) -> bool:
        return bool(settings.CSRF_USE_SESSIONS)


class LoopAuthenticationMiddleware(LoopHooks, AuthenticationMiddleware):
    """Sets the lazy ``request.user`` and ``request.auser``; the user is read when used, or is
    the session's user kept for ``BOARD_AUTH_CACHE_SECONDS`` (``auth_cache``), a plain object.

    A response whose session was changed, flushed or cycled makes the kept users forgotten,
    before the session middleware saves it (and again when the session row is written).
    """

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        auth_cache.attach(request)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> Any:
        auth_cache.after_response(request)
        return response


class LoopMessageMiddleware(LoopHooks, MessageMiddleware):
    """Messages that were read or added are stored (maybe in the session) in a thread."""

    def response_needs_thread(self, request: HttpRequest, response: HttpResponseBase) -> bool:
        storage = getattr(request, "_messages", None)
        return storage is not None and bool(
            getattr(storage, "used", True) or getattr(storage, "added_new", True)
        )


class LoopXFrameOptionsMiddleware(LoopHooks, XFrameOptionsMiddleware):
    """One header."""
