"""The live socket checks its full Origin (scheme, host, port) itself, as Django's CSRF check
does, whatever the host's asgi.py wraps it in (issue 10, F10.5).

The application here has no ``AllowedHostsOriginValidator``: only the consumer decides.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from tests.live_helpers import session_cookie, stop_live, use_live

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live(settings: Any, tasks_settings: dict[str, Any]) -> None:
    use_live(settings)


def accepted(
    cookie: str,
    origin: str | None,
    *,
    host: str = "localhost",
    scheme: str = "ws",
    extra: list[tuple[bytes, bytes]] | None = None,
) -> bool:
    """Whether a handshake to the overview's socket with these headers is accepted."""
    from queues.routing import websocket_urlpatterns

    headers = [(b"host", host.encode()), (b"cookie", f"sessionid={cookie}".encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    app = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))

    async def handshake() -> bool:
        comm = WebsocketCommunicator(app, "/ws/", headers=[*headers, *(extra or [])])
        comm.scope["scheme"] = scheme
        try:
            connected, _ = await comm.connect(timeout=5)
            return connected
        finally:
            await comm.disconnect()
            await stop_live()

    return asyncio.run(handshake())


def test_the_boards_own_origin_is_accepted(live: Any, staff_user: Any) -> None:
    cookie = session_cookie(staff_user)
    assert accepted(cookie, "http://localhost")
    assert accepted(cookie, "http://localhost:8000", host="localhost:8000")
    assert accepted(cookie, "https://localhost", scheme="wss")


def test_another_port_or_scheme_of_the_same_host_is_refused(live: Any, staff_user: Any) -> None:
    cookie = session_cookie(staff_user)
    assert not accepted(cookie, "http://localhost:8001")
    assert not accepted(cookie, "http://localhost:8001", host="localhost:8000")
    assert not accepted(cookie, "http://localhost", host="localhost:8000")
    assert not accepted(cookie, "https://localhost")  # the socket is plain ws
    assert not accepted(cookie, "http://localhost", scheme="wss")


def test_a_foreign_missing_or_null_origin_is_refused(live: Any, staff_user: Any) -> None:
    cookie = session_cookie(staff_user)
    assert not accepted(cookie, "http://evil.example")
    assert not accepted(cookie, "null")
    assert not accepted(cookie, None)


def test_a_host_not_allowed_is_refused_even_with_a_matching_origin(
    live: Any, staff_user: Any
) -> None:
    assert not accepted(session_cookie(staff_user), "http://evil.example", host="evil.example")


def test_the_proxy_ssl_header_gives_the_scheme(live: Any, settings: Any, staff_user: Any) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    cookie = session_cookie(staff_user)
    https = [(b"x-forwarded-proto", b"https")]
    assert accepted(cookie, "https://localhost", extra=https)
    assert not accepted(cookie, "http://localhost", extra=https)
    assert not accepted(cookie, "https://localhost", extra=[(b"x-forwarded-proto", b"http")])
    assert accepted(cookie, "http://localhost")  # no header: the connection's own scheme


def test_trusted_origins_are_accepted_as_by_the_csrf_check(
    live: Any, settings: Any, staff_user: Any
) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://board.example.com", "https://*.ops.example.com"]
    cookie = session_cookie(staff_user)
    assert accepted(cookie, "https://board.example.com")
    assert accepted(cookie, "https://eu.ops.example.com")
    assert not accepted(cookie, "http://board.example.com")
    assert not accepted(cookie, "http://eu.ops.example.com")
    assert not accepted(cookie, "https://board.example.com:8443")
    assert not accepted(cookie, "https://ops.example.com.evil.example")
