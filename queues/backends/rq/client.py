"""The RQ backend's Redis clients (``backends/redis_clients.py``), named for its messages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..redis_clients import ClientPool as SharedPool


class ClientPool(SharedPool):
    def __init__(self, url: str, *, socket_timeout: float, connect_timeout: float) -> None:
        super().__init__(
            url,
            socket_timeout=socket_timeout,
            connect_timeout=connect_timeout,
            missing_url=_("The RQ backend has no 'url' option configured."),
        )
