"""One-time notices shown after a redirect ("3 jobs retried."), kept in the session."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest

from ..language import Text

_KEY = "queueboard_notices"


async def add(
    request: HttpRequest,
    text: Text,
    level: str = "info",
    link: tuple[str, Text] | None = None,
) -> None:
    """Queue a notice for the next page (the session may live in the database), in the
    request's language (a lazy message is turned into text now); ``link``: (URL, its text)
    shown after the notice's text."""
    await sync_to_async(_add)(request, str(text), level, link)


def _add(request: HttpRequest, text: str, level: str, link: tuple[str, Text] | None) -> None:
    notices = list(request.session.get(_KEY, []))
    notice = {"text": text, "level": level}
    if link is not None:
        notice.update(link=link[0], link_text=str(link[1]))
    notices.append(notice)
    request.session[_KEY] = notices[-5:]


def pop_all(request: HttpRequest) -> list[dict[str, str]]:
    if not hasattr(request, "session"):
        return []
    return list(request.session.pop(_KEY, []))
