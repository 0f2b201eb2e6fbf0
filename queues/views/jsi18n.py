"""The JavaScript catalog, for every page of the board (and the login page before it).

Public like a static file: it holds the board's own interface strings and nothing of a queue
or a user. With the current digest in its query string it may be kept for a year; with
another (an old page) it is sent fresh and must be revalidated.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import quote_etag

from ..jscatalog import catalog, is_rendered
from .headers import secure
from .methods import require_GET

YEAR = 365 * 24 * 3600


@require_GET
async def javascript_catalog(request: HttpRequest, language: str) -> HttpResponse:
    try:
        if is_rendered(language):
            found = catalog(language)
        else:  # the first time in this process: reads the .mo files
            found = await sync_to_async(catalog)(language)
    except LookupError:
        raise Http404("No such language.") from None
    etag = quote_etag(found.digest)
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(found.script, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    if request.GET.get("v") == found.digest:
        response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response["Cache-Control"] = "public, no-cache"
    response["Content-Language"] = found.language
    return secure(response)
