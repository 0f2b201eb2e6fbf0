"""ASGI entry point of the standalone board (served by daphne)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "board.settings")

application = get_asgi_application()

from django.conf import settings  # noqa: E402 - configured by get_asgi_application()

if settings.DEBUG:
    # daphne serves no static files itself; Django's handler does, in debug mode only.
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    application = ASGIStaticFilesHandler(application)
