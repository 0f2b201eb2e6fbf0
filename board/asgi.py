"""ASGI entry point of the standalone board (served by daphne): pages and live updates."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "board.settings")

# Django is set up first: the routing imports models (through the consumers).
http_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from queues.routing import websocket_urls  # noqa: E402

# Static files are served by WhiteNoise's middleware (board/static_files.py), in production and
# in debug mode alike: daphne serves none itself.
application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urls("")))
        ),
    }
)
