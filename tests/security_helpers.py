"""The security headers every board answer carries (``queues.views.headers.secure``)."""

from __future__ import annotations

from typing import Any


def assert_board_headers(response: Any) -> None:
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
