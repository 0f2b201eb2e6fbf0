"""What htmx asks for: the id of the element a request will be swapped into.

Read from the request's headers with django-htmx's ``HtmxDetails``, never from ``request.htmx``:
that attribute exists only where the host site runs django-htmx's middleware, and the app must
not depend on host middleware (without it every swap would get a whole page).
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


def swap_target(request: HttpRequest) -> str | None:
    """The target element's id: htmx 4 sends ``tag#id`` (``section#job-list``), htmx 2 ``id``."""
    htmx = HtmxDetails(request)
    if not htmx or not htmx.target:
        return None
    return str(htmx.target).rsplit("#", 1)[-1] or None
