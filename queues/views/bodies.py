"""Request bodies bounded in size and depth before anything reads them.

A JSON body nested deeper than Python's recursion limit made ``json.loads`` raise
``RecursionError``, an unhandled 500; one nested a little less went on to break whatever
walked it next. Bodies of the board's actions are small and flat (``{"ids": [...]}``,
``{"state": ..., "grace": ..., "limit": ...}``), so:

* a body larger than ``MAX_BODY_BYTES`` is refused with 413 (``BodyTooLarge``);
* JSON that is malformed, not UTF-8, uses ``NaN``/``Infinity``, or nests arrays and objects
  deeper than ``MAX_DEPTH`` is refused with 400 (``BadRequest``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..backends.errors import BackendError
from ..conf import setting
from ..errors import BadRequest

#: The deepest nesting of arrays and objects a JSON body may have (the board's own use two).
MAX_DEPTH = 16

AsyncView = Callable[..., Awaitable[HttpResponse]]


class BodyTooLarge(BackendError):
    """The request body is larger than ``MAX_BODY_BYTES``; shaped like the backend errors (as
    ``ActionRefused`` is) so that pages and the API answer it alike, with 413."""

    status = 413
    code = "payload_too_large"

    def __init__(self, limit: int) -> None:
        message = _("The request body is larger than {n} bytes, the most it may be.")
        super().__init__(format_lazy(message, n=limit))


def body(request: HttpRequest) -> bytes:
    """The request's body, or ``BodyTooLarge`` when it is over the bound."""
    limit = int(setting("MAX_BODY_BYTES"))
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise BodyTooLarge(limit)
    try:
        raw = request.body
    except RequestDataTooBig:  # over Django's own DATA_UPLOAD_MAX_MEMORY_SIZE
        raise BodyTooLarge(limit) from None
    if len(raw) > limit:
        raise BodyTooLarge(limit)
    return raw


def bounded_body(view: AsyncView) -> AsyncView:
    """Refuse an oversized body before the view runs (under ``board_api``/``board_page``, so
    that logging in comes first and the refusal has the usual error shape)."""

    @wraps(view)
    async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        body(request)
        return await view(request, *args, **kwargs)

    return wrapper


def json_body(request: HttpRequest) -> Any:
    """The body parsed as JSON (an empty body is ``{}``), bounded in size and depth."""
    raw = body(request) or b"{}"
    try:
        text = raw.decode("utf-8")
        data = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:  # also UnicodeDecodeError and integers of more than 4300 digits
        raise BadRequest(_("The request body is not valid JSON.")) from None
    if deeper_than(data, MAX_DEPTH):
        raise _too_deep()
    return data


def deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and dicts more than ``limit`` levels (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _too_deep() -> BadRequest:
    message = _("The request body is nested too deeply (at most {n} levels).")
    return BadRequest(format_lazy(message, n=MAX_DEPTH))
