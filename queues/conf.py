"""The board's own settings: ``QUEUEBOARD`` merged over defaults, re-read when settings change."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

DEFAULTS: dict[str, Any] = {
    # Dotted path to ``callable(user, backend_alias, queue_name) -> bool`` deciding who may see
    # what. ``backend_alias`` and ``queue_name`` are None when asking about the board as a whole.
    "ACCESS": "queues.permissions.staff_only",
    "TITLE": "Queueboard",
    # Where the header's Log out button posts: a URL name or path of the host's logout view.
    # None: the site's "logout" URL name if it has one, else the admin's, else no button.
    "LOGOUT_URL": None,
    "PAGE_SIZE": 20,
    "MAX_PAGE_SIZE": 200,
    # Characters of data and failure reason shown in job lists.
    "PREVIEW_CHARS": 120,
    # Characters of a payload pretty-printed on the job page; larger values are cut (and offered
    # as a download).
    "PAYLOAD_DISPLAY_CAP": 256 * 1024,
    # Bytes of a payload returned inline by the JSON API before it is cut.
    "API_PAYLOAD_CAP": 1024 * 1024,
    # Log lines read for the job page (the newest ones).
    "LOG_LINES": 1000,
    # Seconds the overview's counts are reused by the next requests of the same process (0: read
    # the queue server on every request). Actions through the board refresh them at once.
    "COUNTS_CACHE_SECONDS": 0,
    # Jobs per atomic backend call in bulk runs (retry all, clean, ...).
    "BULK_BATCH_SIZE": 1000,
    # Bulk runs done at once per board process; more wait their turn as "queued".
    "BULK_WORKERS": 2,
    # Active (queued or running) bulk runs: of one kind (action and state) per queue, more
    # answer 409; and per user in all, more answer 429.
    "BULK_RUNS_PER_QUEUE": 1,
    "BULK_RUNS_PER_USER": 5,
    # Refusals recorded in the audit log per user and minute; beyond, they are counted, and the
    # count is added to that user's next recorded refusal (a flood cannot fill the log).
    "AUDIT_REFUSALS_PER_MINUTE": 10,
    # Sent with every page and API answer of the board (None to leave it to the host site).
    "CONTENT_SECURITY_POLICY": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    # Job ids accepted in one selection action.
    "MAX_SELECTION": 1000,
    # Bytes of the largest request body an action accepts (larger: 413). JSON bodies also nest
    # at most 16 levels (queues/views/bodies.py).
    "MAX_BODY_BYTES": 1024 * 1024,
    # Jobs of a state one search reads at most (in the state's order), and the longest text.
    "SEARCH_SCAN_LIMIT": 10_000,
    "SEARCH_MAX_CHARS": 200,
    # Searches running at once: per user, and in all within one process (more answer 429).
    "SEARCH_CONCURRENCY_PER_USER": 1,
    "SEARCH_CONCURRENCY": 4,
    # Searches one user may start in any SEARCH_RATE_PERIOD seconds (more answer 429).
    "SEARCH_RATE_LIMIT": 30,
    "SEARCH_RATE_PERIOD": 60,
    # The Django cache alias holding rate-limit counters (queues/limits.py). Use a cache shared
    # by the site's processes (Redis, Memcached, database) for limits that hold across them.
    "LIMITS_CACHE": "default",
}


@cache
def get_config() -> dict[str, Any]:
    user = getattr(settings, "QUEUEBOARD", {}) or {}
    unknown = set(user) - set(DEFAULTS)
    if unknown:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"Unknown QUEUEBOARD settings: {', '.join(sorted(unknown))}.")
    return {**DEFAULTS, **user}


def setting(name: str) -> Any:
    return get_config()[name]


def _clear(*, setting: str, **kwargs: Any) -> None:
    if setting == "QUEUEBOARD":
        get_config.cache_clear()


setting_changed.connect(_clear, dispatch_uid="queueboard-conf-clear")
