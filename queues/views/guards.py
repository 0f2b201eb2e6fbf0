"""Decorators that authenticate, check board access and turn expected errors into answers.

Pages send anonymous visitors to the login page; the API answers 401/403 JSON. Backend errors
(missing queue or job, server unreachable) and bad parameters become a clear page or JSON error
with the right status, never a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.context_processors import PermWrapper
from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch
from django.utils.html import escape
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..backends.errors import BackendError
from ..conf import setting
from ..language import Text, in_english
from ..permissions import can_view_board, on_loop_if_no_io
from . import notices
from .headers import no_store, secure
from .json import SafeJsonResponse
from .params import BadRequest

logger = logging.getLogger("queues")

AsyncView = Callable[..., Awaitable[HttpResponse]]

_TITLES = {
    400: _("Bad request"),
    401: _("Login required"),
    403: _("Access denied"),
    404: _("Not found"),
    409: _("Conflict"),
    429: _("Too many requests"),
    503: _("Queue server unavailable"),
}


def _describe(exc: Exception) -> tuple[int, str, str]:
    if isinstance(exc, BadRequest):
        return 400, "bad_request", str(exc)
    assert isinstance(exc, BackendError)
    return exc.status, exc.code, str(exc)


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int
) -> HttpResponse:
    context = {
        "board_title": setting("TITLE"),
        "notices": notices.pop_all(request),
        # What the header needs, without relying on the host's auth context processor.
        "user": request.user,
        "perms": PermWrapper(request.user),
        **context,
    }
    return render(request, template, context, status=status)


async def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render in a thread: the session and context processors may touch the database."""
    return await sync_to_async(_render)(request, template, context, status)


async def error_page(
    request: HttpRequest, status: int, message: Text, *, board_refused: bool = False
) -> HttpResponse:
    """The board's error page; ``board_refused``: the user may not see the board at all (no
    link back to the overview, which would answer the same)."""
    title = _TITLES.get(status, _("Error"))
    context = {"status": status, "title": title, "message": message, "board_refused": board_refused}
    return await render_page(request, "queues/error.html", context, status)


def _database_message(exc: DatabaseError) -> str:
    message = _("The board's database could not be used ({error}); try again in a moment.")
    return str(format_lazy(message, error=exc))


def bare_error_page(status: int, message: Text, title: Text | None = None) -> HttpResponse:
    """An error page that needs nothing: no session, no user, no template context."""
    title = escape(title or _TITLES.get(status, _("Error")))
    body = (
        f'<!DOCTYPE html><html lang="{escape(get_language() or "en")}"><head>'
        f'<meta charset="utf-8"><title>{title}</title>'
        f'</head><body><main><h1>{title}</h1><p role="alert">{escape(message)}</p></main>'
        "</body></html>"
    )
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def error_json(status: int, code: str, message: Text, **extra: Any) -> HttpResponse:
    error = {"code": code, "message": str(message), **extra}
    return SafeJsonResponse({"error": error}, status=status)


def _identify(request: HttpRequest) -> tuple[bool, bool]:
    """Whether the request's user is logged in and may view the board, in one thread hop.

    Reads the session and the user (the database) and runs the access rule together; the user
    stays on ``request.user``, loaded, for the view.
    """
    user = request.user
    if not user.is_authenticated:
        return False, False
    return True, can_view_board(user)


def _to_login(request: HttpRequest) -> HttpResponse:
    """To the site's login page; a clear 401 where ``LOGIN_URL`` names no URL (check E010)."""
    try:
        return redirect_to_login(request.get_full_path())
    except NoReverseMatch:
        logger.warning("Queueboard: LOGIN_URL %r names no URL of this site.", settings.LOGIN_URL)
        message = _("Log in to see the board. This site has no login page yet (LOGIN_URL).")
        return bare_error_page(401, message)


def board_page(view: AsyncView) -> AsyncView:
    @wraps(view)
    async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = await _page(request, *args, **kwargs)
        except DatabaseError as exc:  # the board's own database: sessions, users, audit log
            logger.warning("Queueboard page %s: database error: %s", request.path, exc)
            message = _database_message(exc)
            title = str(_("Board database unavailable"))
            response = bare_error_page(503, message, title=title)
        return no_store(secure(response))

    async def _page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        authenticated, allowed = await on_loop_if_no_io(request.user, lambda: _identify(request))
        if not authenticated:
            return _to_login(request)
        if not allowed:
            refused = _("Your account may not view this board.")
            return await error_page(request, 403, refused, board_refused=True)
        try:
            return await view(request, *args, **kwargs)
        except (BadRequest, BackendError) as exc:
            status, _code, message = _describe(exc)
            if status >= 500:
                logger.warning("Queueboard page %s: %s", request.path, message)
            return await error_page(request, status, message)

    return wrapper


def board_api(view: AsyncView) -> AsyncView:
    @wraps(view)
    async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with in_english():  # the API speaks English whatever the request's language
            try:
                response = await _api(request, *args, **kwargs)
            except DatabaseError as exc:
                logger.warning("Queueboard API %s: database error: %s", request.path, exc)
                response = error_json(503, "database_unavailable", _database_message(exc))
        return no_store(secure(response))

    async def _api(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        authenticated, allowed = await on_loop_if_no_io(request.user, lambda: _identify(request))
        if not authenticated:
            return error_json(401, "not_authenticated", "Log in to use the Queueboard API.")
        if not allowed:
            return error_json(403, "forbidden", "Your account may not use the Queueboard API.")
        try:
            return await view(request, *args, **kwargs)
        except (BadRequest, BackendError) as exc:
            status, code, message = _describe(exc)
            if status >= 500:
                logger.warning("Queueboard API %s: %s", request.path, message)
            state = getattr(exc, "state", None)
            extra = {"state": state.value} if state is not None else {}
            extra.update(getattr(exc, "details", {}))  # e.g. the run in progress (a 409)
            return error_json(status, code, message, **extra)

    return wrapper
