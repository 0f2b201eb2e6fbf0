"""Whether a WebSocket handshake comes from a page of the board's own origin.

Browsers send a page's cookies with a WebSocket handshake to its host from any page of the same
site, whatever its port or scheme, and the socket is not subject to CORS: the ``Origin`` header
is the only defence against cross-site WebSocket hijacking. channels'
``AllowedHostsOriginValidator`` compares the origin's host with ``ALLOWED_HOSTS`` and ignores
its scheme and port, so a page on another port of the same host (another app, a dev server)
could read live job data with an operator's cookies.

The check here is Django's CSRF origin check (``CsrfViewMiddleware._origin_verified``): the
full origin (scheme, host, port) must be the request's own (``Host``, or ``X-Forwarded-Host``
with ``USE_X_FORWARDED_HOST``, validated against ``ALLOWED_HOSTS``; the scheme of the connection
or, when set, ``SECURE_PROXY_SSL_HEADER``) or one of ``CSRF_TRUSTED_ORIGINS`` (with its
``https://*.example.com`` wildcards).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.utils.http import is_same_domain


def _as_request(scope: Mapping[str, Any]) -> ASGIRequest:
    """The handshake as Django sees an HTTP request (for ``get_host`` and ``is_secure``)."""
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    return ASGIRequest({**scope, "type": "http", "method": "GET", "scheme": scheme}, io.BytesIO())


def own_origin(request: ASGIRequest) -> str | None:
    """``scheme://host[:port]`` of the request itself; None for a host not allowed."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{'https' if request.is_secure() else 'http'}://{host}"


def trusted(origin: str) -> bool:
    """Whether ``CSRF_TRUSTED_ORIGINS`` names ``origin``, exactly or by a ``*.`` wildcard."""
    listed = list(getattr(settings, "CSRF_TRUSTED_ORIGINS", []))
    if origin in {entry for entry in listed if "*" not in entry}:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    return any(
        is_same_domain(parsed.netloc, pattern.netloc.lstrip("*"))
        for pattern in (urlsplit(entry) for entry in listed if "*" in entry)
        if pattern.scheme == parsed.scheme
    )


def origin_allowed(scope: Mapping[str, Any]) -> bool:
    """Whether the handshake's ``Origin`` is the board's own origin or a trusted one."""
    request = _as_request(scope)
    origin = request.META.get("HTTP_ORIGIN")
    if not origin:
        return False  # browsers always send one; a handshake without is no page of ours
    return origin == own_origin(request) or trusted(origin)
