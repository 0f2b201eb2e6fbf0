"""System checks of what the board needs from the host site it is mounted in."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, Resolver404, resolve
from django.utils.module_loading import import_string

LOGIN_HINT = (
    "Set LOGIN_URL to the site's login page, e.g. LOGIN_URL = \"admin:login\" to use the admin's."
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


#: Middleware the board cannot work without (a subclass will do), and why.
REQUIRED_MIDDLEWARE = {
    "django.contrib.sessions.middleware.SessionMiddleware": "logins need sessions",
    "django.contrib.auth.middleware.AuthenticationMiddleware": "the board must know who is "
    "logged in",
    "django.middleware.csrf.CsrfViewMiddleware": "the board's actions (retry, remove, clean, ...) "
    "are protected by Django's CSRF check",
}


def _installed_middleware() -> list[type]:
    classes = []
    for entry in settings.MIDDLEWARE:
        try:
            classes.append(import_string(entry))
        except ImportError:
            continue
    return classes


@checks.register()
def check_middleware(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    installed = _installed_middleware()
    messages: list[checks.CheckMessage] = []
    for path, why in REQUIRED_MIDDLEWARE.items():
        wanted = import_string(path)
        if not any(isinstance(cls, type) and issubclass(cls, wanted) for cls in installed):
            message = f"Queueboard needs {path} in MIDDLEWARE: {why}."
            messages.append(checks.Error(message, id="queueboard.E011"))
    return messages
