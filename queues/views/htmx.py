"""What htmx asks for: the id of the element a request will be swapped into."""

from __future__ import annotations

from django.http import HttpRequest


def swap_target(request: HttpRequest) -> str | None:
    """The target element's id: htmx 4 sends ``tag#id`` (``section#job-list``), htmx 2 ``id``."""
    htmx = getattr(request, "htmx", None)
    if not htmx or not htmx.target:
        return None
    return str(htmx.target).rsplit("#", 1)[-1] or None
