"""``board/asgi.py`` with the pooled request threads of ``board/request_threads.py``.

The same application as the standalone board's (HTTP and WebSockets), but for Django's handler:
``bench/views_vs_bull_board.py`` serves both side by side.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "board.settings")

from board.request_threads import get_asgi_application

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
