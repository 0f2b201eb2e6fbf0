"""Per-browser preferences: the ``qb_prefs`` cookie, read and validated on the server.

The header's Settings panel (``static/queues/settings.js``) writes the cookie; every page reads
it here, so the first render is already right (theme, jobs per page, the job tab opened): no
flash. The cookie is the browser's to change, so it is untrusted: it is parsed as
``name=value&name=value``, each value is checked against its known choices, and whatever is
unknown, malformed, too long or out of range falls back to the default. A hostile cookie can
never break a page or reach the markup other than as one of the choices below.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.http import HttpRequest

from .conf import setting

__all__ = [
    "COOKIE",
    "JOB_TABS",
    "PER_PAGE_CHOICES",
    "POLL_CHOICES",
    "THEMES",
    "Preferences",
    "of",
    "parse",
]

COOKIE = "qb_prefs"
#: The longest cookie value read; a longer one is ignored as a whole.
MAX_CHARS = 200
THEMES = ("system", "light", "dark")
#: Seconds between refreshes when WebSockets are unavailable (0: no automatic refresh); the
#: same choices as the live status's own menu (``static/queues/live.js``).
POLL_CHOICES = (0, 2, 5, 15, 60)
#: The jobs-per-page choices offered (those up to ``MAX_PAGE_SIZE``); any whole number from 1
#: to ``MAX_PAGE_SIZE`` is accepted from the cookie.
PER_PAGE_CHOICES = (10, 20, 50, 100, 200)
#: The tab a job page opens on without ``?tab=``: "auto" is the failure for a failed job and
#: the data otherwise.
JOB_TABS = ("auto", "data", "options", "logs", "error", "timeline")


@dataclass(frozen=True)
class Preferences:
    theme: str = "system"
    #: None: the board's ``PAGE_SIZE``.
    per_page: int | None = None
    confirm: bool = True
    poll_seconds: int = 5
    job_tab: str = "auto"

    @property
    def page_size(self) -> int:
        return self.per_page or int(setting("PAGE_SIZE"))

    def tab_for(self, failed: bool) -> str:
        """The tab a job page opens on (``failed``: the job has a failure to show)."""
        if self.job_tab == "auto" or (self.job_tab == "error" and not failed):
            return "error" if failed else "data"
        return self.job_tab

    @property
    def poll_choices(self) -> tuple[int, ...]:
        return POLL_CHOICES

    def per_page_choices(self) -> list[int]:
        most = int(setting("MAX_PAGE_SIZE"))
        return sorted({c for c in (*PER_PAGE_CHOICES, int(setting("PAGE_SIZE"))) if c <= most})


def _whole(value: str, lowest: int, highest: int) -> int | None:
    if not value.isascii() or not value.isdigit() or len(value) > 6:
        return None
    number = int(value)
    return number if lowest <= number <= highest else None


def parse(raw: str | None) -> Preferences:
    """The preferences a cookie value holds; the defaults for anything not understood."""
    prefs = Preferences()
    if not raw or len(raw) > MAX_CHARS:
        return prefs
    for pair in raw.split("&"):
        name, _, value = pair.partition("=")
        if name == "theme" and value in THEMES:
            prefs = replace(prefs, theme=value)
        elif name == "per_page":
            per_page = _whole(value, 1, int(setting("MAX_PAGE_SIZE")))
            if per_page is not None:
                prefs = replace(prefs, per_page=per_page)
        elif name == "confirm" and value in ("0", "1"):
            prefs = replace(prefs, confirm=value == "1")
        elif name == "poll":
            seconds = _whole(value, 0, max(POLL_CHOICES))
            if seconds in POLL_CHOICES:
                prefs = replace(prefs, poll_seconds=seconds)
        elif name == "tab" and value in JOB_TABS:
            prefs = replace(prefs, job_tab=value)
    return prefs


def of(request: HttpRequest) -> Preferences:
    """The request's preferences (parsed once per request)."""
    cached: Any = getattr(request, "_queueboard_prefs", None)
    if isinstance(cached, Preferences):
        return cached
    prefs = parse(request.COOKIES.get(COOKIE))
    request._queueboard_prefs = prefs  # type: ignore[attr-defined]
    return prefs
