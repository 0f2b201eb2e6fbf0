"""Deploy checks that see the board's middleware for what it is.

Django's ``security.W001`` to ``W003`` look for the exact dotted paths of its security, clickjacking
and CSRF middleware, and so miss ``board.middleware``'s subclasses of them. The settings
silence those three; these checks take their place and accept a subclass.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.utils.module_loading import import_string

REQUIRED = {
    "board.W001": "django.middleware.security.SecurityMiddleware",
    "board.W002": "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "board.W003": "django.middleware.csrf.CsrfViewMiddleware",
}


def _installed(path: str) -> bool:
    wanted = import_string(path)
    for entry in settings.MIDDLEWARE:
        try:
            if issubclass(import_string(entry), wanted):
                return True
        except ImportError:
            continue
    return False


@register(Tags.security, deploy=True)
def middleware_present(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    return [
        Warning(f"{path} (or a subclass of it) is not in MIDDLEWARE.", id=check_id)
        for check_id, path in REQUIRED.items()
        if not _installed(path)
    ]
