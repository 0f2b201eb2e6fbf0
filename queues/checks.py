"""System checks: every configured backend loads and checks itself."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register("queueboard")
def check_backends(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .backends import backends
    from .conf import get_config

    messages: list[checks.CheckMessage] = []
    try:
        get_config()
    except ImproperlyConfigured as exc:
        messages.append(checks.Error(str(exc), id="queueboard.E004"))
    try:
        aliases = list(backends)
    except ImproperlyConfigured as exc:
        return [*messages, checks.Error(str(exc), id="queueboard.E001")]
    for alias in aliases:
        try:
            backend = backends[alias]
        except ImproperlyConfigured as exc:
            messages.append(checks.Error(str(exc), id="queueboard.E001"))
            continue
        messages.extend(backend.check(**kwargs))
    return messages
