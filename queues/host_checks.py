"""System checks of what the board needs from the host site it is mounted in."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, Resolver404, resolve

LOGIN_HINT = (
    'Set LOGIN_URL to the site\'s login page, e.g. LOGIN_URL = "admin:login" to use the admin\'s.'
)


@checks.register(checks.Tags.urls)
def check_login_url(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The board sends visitors who are not logged in to ``LOGIN_URL``: it must be a page."""
    try:
        url = resolve_url(settings.LOGIN_URL)
    except NoReverseMatch:
        message = f"LOGIN_URL {settings.LOGIN_URL!r} names no URL of this site."
        return [checks.Error(message, hint=LOGIN_HINT, id="queueboard.E010")]
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return []  # another site's login (single sign-on): not ours to check
    try:
        resolve(parts.path)
    except Resolver404:
        message = (
            f"LOGIN_URL is {url!r}, which is no page of this site: visitors who are not logged "
            "in are sent to a 404."
        )
        return [checks.Warning(message, hint=LOGIN_HINT, id="queueboard.W010")]
    return []
