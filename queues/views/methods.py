"""Django's ``require_GET``/``require_POST``, with the board's headers on their 405 answer.

Django's decorators answer a wrong method before the view (and its ``board_page`` or
``board_api`` guard) runs, so their 405 carried none of the board's security headers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.log import log_response

from .headers import no_store, secure

AsyncView = Callable[..., Awaitable[HttpResponse]]


def require_http_methods(methods: Sequence[str]) -> Callable[[AsyncView], AsyncView]:
    allowed = list(methods)

    def decorator(view: AsyncView) -> AsyncView:
        @wraps(view)
        async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                response = no_store(secure(HttpResponseNotAllowed(allowed)))
                log_response(
                    "Method Not Allowed (%s): %s", request.method, request.path,
                    response=response, request=request,
                )  # fmt: skip
                return response
            return await view(request, *args, **kwargs)

        return wrapper

    return decorator


require_GET = require_http_methods(["GET", "HEAD"])
require_POST = require_http_methods(["POST"])
