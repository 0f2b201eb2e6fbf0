"""WebSocket routes of live updates, for the host's ``asgi.py``.

``URLRouter`` cannot ``include()``, so mount them with the same prefix as ``queues.urls``::

    from queues.routing import websocket_urls
    websocket = AllowedHostsOriginValidator(
        AuthMiddlewareStack(URLRouter(websocket_urls("board/")))
    )

The page templates connect to ``<mount>/ws/<the page's own path>``. The consumers check each
handshake themselves (the full ``Origin`` as Django's CSRF check does, the session, the user's
access and socket cap), so they hold whatever the stack around them; without ``CHANNEL_LAYERS``
they use the app's own in-memory layer (one process).
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import path, re_path

from . import converters  # noqa: F401  (registers the qb_job_id converter)
from .live.consumers import JobConsumer, OverviewConsumer, QueueConsumer
from .live.schedule_consumers import BoardSchedulesConsumer, QueueSchedulesConsumer

Q = r"(?P<alias>[^/]+)/(?P<queue>.+)"


def websocket_urls(prefix: str = "") -> list[Any]:
    """The routes under ``prefix``: ``""`` or ``"board/"``, as given to ``path(prefix, ...)``."""
    if prefix and not prefix.endswith("/"):
        raise ValueError("The prefix must end with '/' (as with path(prefix, include(...))).")
    root = prefix.lstrip("/")
    return [
        path(f"{root}ws/", OverviewConsumer.as_asgi()),
        path(
            f"{root}ws/queue/<str:alias>/<path:queue>/job/<qb_job_id:job_id>/",
            JobConsumer.as_asgi(),
        ),
        # Schedule pages, before the queue page's route (whose queue name takes any path).
        path(f"{root}ws/schedules/", BoardSchedulesConsumer.as_asgi()),
        path(
            f"{root}ws/queue/<str:alias>/<path:queue>/schedules/<qb_job_id:schedule_id>/",
            QueueSchedulesConsumer.as_asgi(),
        ),
        path(
            f"{root}ws/queue/<str:alias>/<path:queue>/schedules/", QueueSchedulesConsumer.as_asgi()
        ),
        re_path(rf"^{re.escape(root)}ws/queue/{Q}/$", QueueConsumer.as_asgi()),
    ]


websocket_urlpatterns = websocket_urls()
