"""Which language the board speaks where.

Pages, notices and errors on pages speak the request's language: the host's
``LocaleMiddleware`` when it has one, else its ``LANGUAGE_CODE`` (the board needs no
middleware of its own). The JSON API and the audit log speak English whatever the request's
language: the API's error ``code`` is for programs and its ``message`` reads the same for
every client, and the log is one record read by everyone. Messages that go to both are
lazy (``gettext_lazy``, ``format_lazy``) and turned into text where they are shown.
Live connections speak the language their page was rendered in (``scope_language``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.functional import Promise
from django.utils.module_loading import import_string

#: A message: text, or a lazy translation turned into text where it is shown.
Text = str | Promise

#: The API's and the audit log's language (the msgids are English).
RECORD_LANGUAGE = "en"


def english(text: object) -> str:
    """``str(text)`` in English: a lazy message, or an exception holding one."""
    with translation.override(RECORD_LANGUAGE):
        return str(text)


def in_english() -> translation.override:
    """``with in_english(): ...``: English for the block (the API's answers)."""
    return translation.override(RECORD_LANGUAGE)


@cache
def _host_chooses_language() -> bool:
    """Whether the host's MIDDLEWARE has a ``LocaleMiddleware`` (or a subclass)."""
    for path in settings.MIDDLEWARE:
        try:
            found = import_string(path)
        except ImportError:
            continue
        if isinstance(found, type) and issubclass(found, LocaleMiddleware):
            return True
    return False


def scope_language(scope: dict[str, Any]) -> str:
    """The language of a WebSocket connection as the host's ``LocaleMiddleware`` chose it for
    the page (its language cookie, else ``Accept-Language``); ``LANGUAGE_CODE`` without it."""
    if not _host_chooses_language():
        return str(settings.LANGUAGE_CODE)
    headers = {
        bytes(name).decode("latin-1").lower(): bytes(value).decode("latin-1")
        for name, value in scope.get("headers", [])
    }
    request = HttpRequest()
    request.COOKIES = parse_cookie(headers.get("cookie", ""))
    request.META["HTTP_ACCEPT_LANGUAGE"] = headers.get("accept-language", "")
    return translation.get_language_from_request(request)


def _clear(*, setting: str, **kwargs: object) -> None:
    if setting == "MIDDLEWARE":
        _host_chooses_language.cache_clear()


setting_changed.connect(_clear, dispatch_uid="queueboard-language-middleware-clear")
