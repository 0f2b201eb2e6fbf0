"""Security headers on every response of the board, whatever the host site sends.

The board's pages run no inline script and no inline style, so the policy can be strict.
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
