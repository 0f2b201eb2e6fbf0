"""ASGI entry point of the standalone board (served by daphne): pages and live updates."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "board.settings")

from board.request_threads import get_asgi_application

# Django is set up first: the routing imports models (through the consumers). Its ASGI handler
# with request threads kept for the next requests instead of two threads started per request
# (board/request_threads.py; bench/results/views_vs_bull_board.md).
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
