"""``board.asgi`` plus static files (daphne serves none; the page needs htmx and live.js)."""

from channels.routing import ProtocolTypeRouter
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from board import asgi

application = ProtocolTypeRouter(
    {"http": ASGIStaticFilesHandler(asgi.http_application), "websocket": asgi.application}
)
