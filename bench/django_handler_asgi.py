"""``board/asgi.py`` with Django's own ASGI handler instead of ``board/request_threads.py``'s.

The standalone board as it was served before its request threads were pooled (two threads
started per request): ``bench/views_vs_bull_board.py`` serves both side by side.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "board.settings")

from django.core.asgi import get_asgi_application

http_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from queues.routing import websocket_urls  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urls("")))
        ),
    }
)
