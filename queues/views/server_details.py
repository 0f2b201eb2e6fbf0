"""The server behind a backend (Redis: version, memory, clients, keys): a page whose panel
htmx polls while the page is shown and visible, and the API.

* ``GET server/<alias>/`` the page; with ``HX-Request`` only its panel;
* ``GET api/backends/<alias>/server`` → ``{"server": {...}}``.

A server that may not say (``INFO`` denied) answers 403 ``server_details_refused``; on the page
the panel says why and how to allow it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..backends import backends
from ..backends.base import QueueBackend
from ..backends.errors import BackendError
from ..backends.server_types import ServerDetails, ServerDetailsRefused
from ..permissions import can_view_backend
from .guards import board_api, board_page, render_page
from .json import SafeJsonResponse
from .methods import require_GET

#: Seconds between the panel's refreshes while it is shown.
POLL_SECONDS = 10


class NoSuchBackend(BackendError):
    status = 404
    code = "backend_not_found"


class ServerDetailsUnsupported(BackendError):
    status = 404
    code = "not_supported"


async def visible_backend_of(user: Any, alias: str) -> QueueBackend:
    """The backend ``alias`` if the user may see it (else 404, as a missing one)."""

    def lookup() -> QueueBackend | None:
        if alias not in backends.settings or not can_view_backend(user, alias):
            return None
        return backends[alias]

    backend = await sync_to_async(lookup)()
    if backend is None:
        raise NoSuchBackend(format_lazy(_("There is no backend {alias}."), alias=repr(alias)))
    if not backend.supports_server_details:
        message = _("{backend} does not describe its server.")
        raise ServerDetailsUnsupported(format_lazy(message, backend=backend.label))
    return backend


def details_to_dict(details: ServerDetails) -> dict[str, Any]:
    data = asdict(details)
    data["evicts"] = details.evicts
    data["memory_percent"] = details.memory_percent
    return data


@require_GET
@board_page
async def server_page(request: HttpRequest, alias: str) -> HttpResponse:
    backend = await visible_backend_of(request.user, alias)
    context: dict[str, Any] = {"backend": backend, "poll_seconds": POLL_SECONDS}
    try:
        context["details"] = await backend.server_details()
    except ServerDetailsRefused as exc:
        context["refused"] = str(exc)
    except BackendError as exc:
        if exc.status < 500:
            raise
        context["problem"] = str(exc)
    htmx = bool(request.headers.get("HX-Request"))
    template = "queues/partials/server_panel.html" if htmx else "queues/server_details.html"
    return await render_page(request, template, context)


@require_GET
@board_api
async def server_api(request: HttpRequest, alias: str) -> HttpResponse:
    backend = await visible_backend_of(request.user, alias)
    details = await backend.server_details()
    return SafeJsonResponse({"backend": alias, "server": details_to_dict(details)})
