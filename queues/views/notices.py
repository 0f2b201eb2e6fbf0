"""One-time notices shown after a redirect ("3 jobs retried."), kept in the session."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest

_KEY = "queueboard_notices"


async def add(request: HttpRequest, text: str, level: str = "info") -> None:
    """Queue a notice for the next page (the session may live in the database)."""
    await sync_to_async(_add)(request, text, level)


def _add(request: HttpRequest, text: str, level: str) -> None:
    notices = list(request.session.get(_KEY, []))
    notices.append({"text": text, "level": level})
    request.session[_KEY] = notices[-5:]


def pop_all(request: HttpRequest) -> list[dict[str, str]]:
    if not hasattr(request, "session"):
        return []
    return list(request.session.pop(_KEY, []))
