"""What the board's frame needs of the host site: where its Log out button posts, and the
JavaScript catalog of the active language."""

from __future__ import annotations

from functools import cache

from django import template
from django.core.signals import setting_changed
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse

from ..conf import setting
from ..jscatalog import current as current_catalog

register = template.Library()

#: URL names tried, in order, when ``QUEUEBOARD["LOGOUT_URL"]`` is not set.
LOGOUT_NAMES = ("logout", "admin:logout")


@cache
def _logout_url(configured: str | None) -> str:
    if configured:
        return resolve_url(configured)
    for name in LOGOUT_NAMES:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


@register.simple_tag
def logout_url() -> str:
    """The host's logout URL ("" when the site has none, and the header shows no button)."""
    return _logout_url(setting("LOGOUT_URL"))


def _clear(**kwargs: object) -> None:
    _logout_url.cache_clear()


setting_changed.connect(_clear, dispatch_uid="queueboard-logout-url-clear")


@register.simple_tag
def js_catalog_url() -> str:
    """The JavaScript catalog of the active language, with its digest (kept for a year)."""
    found = current_catalog()
    url = reverse("queues:jsi18n", args=[found.language])
    return f"{url}?v={found.digest}"
