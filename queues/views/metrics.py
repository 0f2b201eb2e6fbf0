"""``GET <mount>/metrics``: the queues' counts for Prometheus, behind a bearer token.

No session, no login redirect and no CSRF: a scraper sends ``Authorization: Bearer <token>``
(``QUEUEBOARD["METRICS_TOKEN"]``), compared in constant time. While no token is set the
endpoint does not exist (404). Every attempt counts against a per-address rate limit
(``METRICS_RATE_LIMIT`` a minute), so a token cannot be guessed quickly either.
"""

from __future__ import annotations

import hmac

from django.http import Http404, HttpRequest, HttpResponse

from ..conf import setting
from ..limits import RateLimit
from ..metrics import CONTENT_TYPE, exposition, read_metrics
from .headers import no_store, secure
from .methods import require_GET


def _limit() -> RateLimit:
    return RateLimit("metrics-address", max(int(setting("METRICS_RATE_LIMIT")), 1), 60)


def _authorized(request: HttpRequest, token: str) -> bool:
    scheme, _, sent = str(request.META.get("HTTP_AUTHORIZATION", "")).partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(sent.strip().encode(), token.encode())


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@require_GET
async def metrics(request: HttpRequest) -> HttpResponse:
    token = setting("METRICS_TOKEN")
    if not token:
        raise Http404("No metrics token is set.")
    limit = _limit()
    address = str(request.META.get("REMOTE_ADDR") or "unknown")
    if not await limit.ahit(address):
        answer = _plain(429, "Too many requests.\n")
        answer["Retry-After"] = str(max(await limit.aretry_after(address), 1))
        return no_store(secure(answer))
    if not _authorized(request, str(token)):
        answer = _plain(401, "A bearer token is required.\n")
        answer["WWW-Authenticate"] = 'Bearer realm="queueboard metrics"'
        return no_store(secure(answer))
    body = exposition(await read_metrics())
    return no_store(secure(HttpResponse(body, content_type=CONTENT_TYPE)))
