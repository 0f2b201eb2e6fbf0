"""Static files for the standalone board and its image: WhiteNoise, answered on the event loop.

daphne serves no files itself. WhiteNoise does, from ``STATIC_ROOT`` after ``collectstatic``:
compressed copies (gzip, Brotli when installed), hashed names and a year of ``Cache-Control``
for them (``CompressedManifestStaticFilesStorage``). Its middleware is sync-only, so under ASGI
Django would send every request, static or not, through a worker thread and back. This
subclass looks the path up on the loop (a dict lookup once the files are indexed at start-up)
and passes every other request on at once; only a static file's answer is built in a thread,
because it opens and reads the file.

The board's files are small (the largest, htmx, is about 50 KB), so an answer is read whole
into memory there instead of streamed: Django would otherwise warn that it consumes a
synchronous iterator under ASGI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from whitenoise.middleware import WhiteNoiseMiddleware


class LoopWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise's middleware (same settings, same answers), async-capable."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any], **kwargs: Any) -> None:
        super().__init__(get_response, **kwargs)
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self._acall(request)
        return super().__call__(request)

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        if self.autorefresh:  # DEBUG: looked up on disk at each request
            static_file = await sync_to_async(self.find_file)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is None:
            return await self.get_response(request)
        return await sync_to_async(self.read_whole, thread_sensitive=False)(static_file, request)

    @staticmethod
    def read_whole(static_file: Any, request: HttpRequest) -> HttpResponse:
        answer = static_file.get_response(request.method, request.META)
        body = b""
        if answer.file is not None:  # None for HEAD and 304
            with answer.file:
                body = answer.file.read()
        response = HttpResponse(body, status=int(answer.status))
        del response["Content-Type"]
        for key, value in answer.headers:
            response[key] = value
        return response
