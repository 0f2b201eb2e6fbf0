"""Login throttling for the standalone board: its own login page and the admin's.

Failed logins are counted per account (the user name as typed, case-folded) and per client
address (``REMOTE_ADDR``; behind a proxy, run daphne with ``--proxy-headers`` so that it is
the client's) in ``queues.limits.RateLimit`` sliding windows. Past either limit every attempt
is refused before the password is checked, even the right one, with the same message whether
or not the account exists, until the window has slid on. A successful login forgets that
account's failures only; an address's failures are never forgotten early, so logging in to an
account of one's own does not buy more guesses at others.

Settings (Django settings of the board, all optional):

``BOARD_LOGIN_FAILURES``          failed logins of one account per window (default 5)
``BOARD_LOGIN_ADDRESS_FAILURES``  failed logins from one address per window (default 20)
``BOARD_LOGIN_WINDOW``            the window, in seconds (default 900)
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext

from queues.limits import RateLimit

DEFAULTS = {
    "BOARD_LOGIN_FAILURES": 5,
    "BOARD_LOGIN_ADDRESS_FAILURES": 20,
    "BOARD_LOGIN_WINDOW": 900,
}
#: Set on the request when an attempt was refused, for ``throttled_status``.
REFUSED = "board_login_refused_for"


def _setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def _limits() -> tuple[RateLimit, RateLimit]:
    window = float(_setting("BOARD_LOGIN_WINDOW"))
    return (
        RateLimit("login-account", int(_setting("BOARD_LOGIN_FAILURES")), window),
        RateLimit("login-address", int(_setting("BOARD_LOGIN_ADDRESS_FAILURES")), window),
    )


def account_key(username: str) -> str:
    """The account as counted: NFKC (as Django normalises user names), then case-folded, so
    "Admin" and "admin" share their failures on every database."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def address_key(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def reserve(request: HttpRequest, username: str) -> int:
    """Count one attempt at ``username`` from the request's address before it is made; 0 when
    counted, else the seconds until one may be made (and nothing counted).

    Counting first keeps parallel attempts within the limits: each one takes its place, so a
    burst of requests cannot all pass a check made before any of them failed.
    """
    account, address = _limits()
    user, where = account_key(username), address_key(request)
    if not account.hit(user):
        return account.retry_after(user)
    if not address.hit(where):
        account.undo(user)
        return address.retry_after(where)
    return 0


def release(request: HttpRequest, username: str, *, succeeded: bool) -> None:
    """Take back an attempt that was no failed guess: the account's earlier failures are
    forgotten after a successful login; the address's never early."""
    account, address = _limits()
    address.undo(address_key(request))
    if succeeded:
        account.reset(account_key(username))
    else:
        account.undo(account_key(username))


def refusal_message(seconds: int) -> str:
    minutes = max(math.ceil(seconds / 60), 1)
    message = ngettext(
        "Too many failed logins for this account or from this address. Logging in is refused "
        "for now; try again in a minute.",
        "Too many failed logins for this account or from this address. Logging in is refused "
        "for now; try again in {n} minutes.",
        minutes,
    )
    return message.format(n=minutes)


class ThrottledLoginMixin:
    """For an ``AuthenticationForm``: count each attempt before authenticating (refusing it past
    the limits), take it back unless it failed. The form needs the request (Django's login
    views pass it)."""

    request: HttpRequest | None
    data: Any
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        request = self.request
        username = str(self.cleaned_data.get("username") or self.data.get("username") or "")
        if request is None:
            return super().clean()  # type: ignore[misc]
        wait = reserve(request, username)
        if wait:
            setattr(request, REFUSED, wait)
            raise ValidationError(refusal_message(wait), code="throttled")
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]  # a failure stays counted
        # The right password, or no attempt at all (a field was missing): nothing to count.
        release(request, username, succeeded=getattr(self, "user_cache", None) is not None)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The board's login form."""


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's login form (staff accounts only), under the same counters."""


def throttled_status(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer 429 with ``Retry-After`` when the view refused a throttled attempt."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        wait = getattr(request, REFUSED, 0)
        if wait:
            response.status_code = 429
            response["Retry-After"] = str(wait)
        return response

    return wrapper
