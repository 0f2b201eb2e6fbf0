"""Security headers on every response of the board, whatever the host site sends.

The board's pages run no inline script and no inline style, so the policy can be strict. What a
logged-in user is shown (pages, downloads, JSON, errors) is never kept by a browser's or a
proxy's cache (``no_store``): the back button or a shared machine shows nothing after log out.
"""

from __future__ import annotations

from typing import TypeVar

from django.http import HttpResponseBase

from ..conf import setting

R = TypeVar("R", bound=HttpResponseBase)


def secure(response: R) -> R:
    policy = setting("CONTENT_SECURITY_POLICY")
    if policy and "Content-Security-Policy" not in response:
        response["Content-Security-Policy"] = policy
    response.setdefault("X-Content-Type-Options", "nosniff")
    response.setdefault("Referrer-Policy", "same-origin")
    response.setdefault("X-Frame-Options", "DENY")
    response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


def no_store(response: R) -> R:
    """``Cache-Control: no-store`` unless the view chose a policy of its own."""
    response.setdefault("Cache-Control", "no-store")
    return response
