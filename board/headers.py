"""The board's security headers on the standalone site's own pages (login, logout, health check,
Django's error pages).

The app's views add them with ``queues.views.headers.secure``; the site's pages are Django's auth
views, wrapped here so that they send the same strict policy (``QUEUEBOARD`` setting
``CONTENT_SECURITY_POLICY``) and the same ``nosniff``, referrer and framing headers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.views.csrf import csrf_failure as django_csrf_failure

from queues.views.headers import secure

View = Callable[..., HttpResponseBase]


def secured(view: View) -> View:
    """``view`` with the board's security headers on every answer."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return secure(view(request, *args, **kwargs))

    return wrapper


#: Django's CSRF failure page (a 403 for a form or action posted without a valid token), with the
#: same headers: the site's ``CSRF_FAILURE_VIEW``.
csrf_failure = secured(django_csrf_failure)
