"""The board's JavaScript catalog (``djangojs`` domain of ``queues``), one file per language.

Every page loads it, so it is rendered once per language and process and served with a digest
of its content in its URL: a browser keeps it for a year and asks again only when the
translations change (a new digest, so a new URL). The URL names the language, so caches never
mix two languages (``Accept-Language`` or a language cookie would otherwise decide behind one
URL).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from django.core.signals import setting_changed
from django.utils import translation
from django.views.i18n import JavaScriptCatalog


@dataclass(frozen=True)
class Catalog:
    language: str
    script: bytes
    digest: str


def catalog(language: str) -> Catalog:
    """The catalog of ``language``, a code of ``LANGUAGES`` (``LookupError`` otherwise).

    Kept per supported language (not per code asked for: ``de-anything`` is ``de``).
    """
    return _render(translation.get_supported_language_variant(language))


def is_rendered(language: str) -> bool:
    """Whether ``catalog(language)`` needs no file read (the view reads them in a thread)."""
    try:
        code = translation.get_supported_language_variant(language)
    except LookupError:
        return True  # answered at once, without reading anything
    return code in _RENDERED


_RENDERED: set[str] = set()


@cache
def _render(code: str) -> Catalog:
    with translation.override(code):
        response = JavaScriptCatalog(packages=["queues"]).get(None)  # type: ignore[arg-type]
    script = response.content
    _RENDERED.add(code)
    return Catalog(code, script, hashlib.sha256(script).hexdigest()[:16])


def current() -> Catalog:
    """The catalog of the active language (the host's ``LANGUAGE_CODE`` without
    ``LocaleMiddleware``)."""
    language = translation.get_language() or "en"
    try:
        return catalog(language)
    except LookupError:
        from django.conf import settings

        return catalog(settings.LANGUAGE_CODE)


def _clear(*, setting: str, **kwargs: object) -> None:
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS"}:
        _render.cache_clear()
        _RENDERED.clear()


setting_changed.connect(_clear, dispatch_uid="queueboard-js-catalog-clear")
