"""How many searches may run: one at a time per user, a few per process, a rate per user.

A search reads up to ``SEARCH_SCAN_LIMIT`` jobs of a state on the queue server, so the pages
and the API run each search request inside ``search_slot`` here. Beyond the bounds it raises
``SearchRefused`` (answered 429 with ``Retry-After``) before the backend is asked anything:

- ``SEARCH_CONCURRENCY_PER_USER`` searches of one user at once, ``SEARCH_CONCURRENCY`` in all
  within one process (a ``limits.Gate``: nobody waits, a full gate refuses at once);
- ``SEARCH_RATE_LIMIT`` searches per user in any ``SEARCH_RATE_PERIOD`` seconds (a
  ``limits.RateLimit`` in the ``LIMITS_CACHE`` cache; refused searches are not counted).

Listing without a search text is never bounded here.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from django.http import QueryDict
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .conf import setting
from .language import Text
from .limits import Busy, Gate, RateLimit

__all__ = ["SearchRefused", "is_search", "search_slot"]


class SearchRefused(Exception):
    """A search beyond the bounds: ``str(exc)`` says why, ``retry_after`` in whole seconds."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: Text, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(int(retry_after), 1)


_lock = threading.Lock()
_gates: dict[tuple[int, int], Gate] = {}


def _gate() -> Gate:
    """The process's gate for the current settings (a new one when they change)."""
    limits = (int(setting("SEARCH_CONCURRENCY_PER_USER")), int(setting("SEARCH_CONCURRENCY")))
    with _lock:
        gate = _gates.get(limits)
        if gate is None:
            gate = _gates[limits] = Gate(*limits)
        return gate


def _rate() -> RateLimit:
    return RateLimit(
        "search", int(setting("SEARCH_RATE_LIMIT")), float(setting("SEARCH_RATE_PERIOD"))
    )


def _user_key(user: object) -> str:
    return f"user:{getattr(user, 'pk', None)}"


def _busy_message(busy: Busy, gate: Gate) -> Text:
    if busy.scope == "key":
        if gate.limit_per_key == 1:
            return _("You already have a search running; wait for it to finish, then search again.")
        message = _(
            "You already have {n} searches running, the most at once; wait for one to finish, "
            "then search again."
        )
        return format_lazy(message, n=gate.limit_per_key)
    message = _(
        "The board is running as many searches at once as it allows ({n}); try again in a moment."
    )
    return format_lazy(message, n=gate.limit_total)


def is_search(params: QueryDict) -> bool:
    """Whether a job list request asks for a search (a ``q`` with more than spaces)."""
    return bool((params.get("q") or "").strip())


@asynccontextmanager
async def search_slot(user: object, searching: bool = True) -> AsyncIterator[None]:
    """Hold one of the user's search places for the block, or raise ``SearchRefused``.

    Entered before the request reads anything from a backend, so a refused search costs the
    queue server nothing. With ``searching`` False (a plain listing) nothing is bounded.
    """
    if not searching:
        yield
        return
    key, gate = _user_key(user), _gate()
    try:
        with gate.enter(key):
            await _count(key)
            yield
    except Busy as busy:  # only entering the gate raises it
        raise SearchRefused(_busy_message(busy, gate), 1) from None


async def _count(key: str) -> None:
    """One more search of ``key`` against the rate limit; ``SearchRefused`` beyond it."""
    rate = _rate()
    if not await rate.ahit(key):
        wait = await rate.aretry_after(key)
        message = _(
            "You have started {n} searches in the last {period} seconds, the most allowed; "
            "search again in {wait} s."
        )
        text = format_lazy(message, n=rate.limit, period=f"{rate.period:g}", wait=max(wait, 1))
        raise SearchRefused(text, wait)
