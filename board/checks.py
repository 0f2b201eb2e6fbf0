"""Deploy checks that see the board's middleware for what it is.

Django's ``security.W001`` to ``W003`` look for the exact dotted paths of its security,
clickjacking and CSRF middleware, and so miss ``board.middleware``'s subclasses of them. The
settings silence those three; ``middleware_present`` takes their place and accepts a subclass.

Django's other deploy checks of those middleware (HSTS, the HTTPS redirect, the secure CSRF
cookie, ``X-Frame-Options: DENY``, ``nosniff``, the referrer and opener policies) pass without a
word when the exact paths are missing. ``django_checks_of_subclassed_middleware`` runs each of
them with ``MIDDLEWARE`` naming Django's classes in place of their subclasses, so that
``check --deploy`` gives every warning Django would.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register
from django.test.utils import override_settings
from django.utils.module_loading import import_string

REQUIRED = {
    "board.W001": "django.middleware.security.SecurityMiddleware",
    "board.W002": "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "board.W003": "django.middleware.csrf.CsrfViewMiddleware",
}

#: Django's deploy checks that return nothing unless one of REQUIRED's exact paths is listed.
GATED_CHECKS = [
    "django.core.checks.security.base.check_sts",
    "django.core.checks.security.base.check_sts_include_subdomains",
    "django.core.checks.security.base.check_sts_preload",
    "django.core.checks.security.base.check_content_type_nosniff",
    "django.core.checks.security.base.check_ssl_redirect",
    "django.core.checks.security.base.check_xframe_deny",
    "django.core.checks.security.base.check_referrer_policy",
    "django.core.checks.security.base.check_cross_origin_opener_policy",
    "django.core.checks.security.csrf.check_csrf_cookie_secure",
]


def _django_class(entry: str) -> str:
    """The REQUIRED path that ``entry`` subclasses, or ``entry`` itself."""
    try:
        installed = import_string(entry)
    except ImportError:
        return entry
    for path in REQUIRED.values():
        if isinstance(installed, type) and issubclass(installed, import_string(path)):
            return path
    return entry


def _installed(path: str) -> bool:
    return path in {_django_class(entry) for entry in settings.MIDDLEWARE}


@register(Tags.security, deploy=True)
def middleware_present(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    return [
        Warning(f"{path} (or a subclass of it) is not in MIDDLEWARE.", id=check_id)
        for check_id, path in REQUIRED.items()
        if not _installed(path)
    ]


@register(Tags.security, deploy=True)
def django_checks_of_subclassed_middleware(
    app_configs: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    as_django = [_django_class(entry) for entry in settings.MIDDLEWARE]
    if as_django == list(settings.MIDDLEWARE):
        return []  # Django's own checks already see everything
    messages: list[CheckMessage] = []
    with override_settings(MIDDLEWARE=as_django):
        for path in GATED_CHECKS:
            try:
                check = import_string(path)
            except ImportError:  # not in this Django version
                continue
            messages.extend(check(app_configs))
    return messages


@register(Tags.staticfiles, deploy=True)  # deploy only: collectstatic runs the others first
def static_files_collected(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Outside debug mode, pages name hashed files that only ``collectstatic`` writes."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

    if settings.DEBUG or not isinstance(staticfiles_storage, ManifestFilesMixin):
        return []
    if staticfiles_storage.exists(staticfiles_storage.manifest_name):
        return []
    return [
        Warning(
            f"No static files are collected in {settings.STATIC_ROOT}: every page will fail.",
            hint="Run `python manage.py collectstatic --noinput` before starting the board.",
            id="board.W010",
        )
    ]
