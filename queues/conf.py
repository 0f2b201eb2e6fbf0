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
    # Key patterns whose values are masked in job data, options, return values and logs for
    # users without the ``queues.view_unredacted`` permission (queues/redaction.py): a key
    # matches when the pattern is part of it, without case, "_", "-", "." or spaces.
    "REDACT_KEYS": ["password", "passwd", "secret", "token", "authorization", "api_key", "apikey"],
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
    # Live updates' timings and bounds (queues/live/options.py: BLOCK, READ_COUNT, RESYNC, POLL,
    # ...), checked by ``manage.py check``; the QUEUEBOARD_LIVE setting is read too, under it.
    "LIVE": {},
    # The bearer token a Prometheus scraper sends to ``<mount>/metrics`` (``Authorization:
    # Bearer <token>``); None: the endpoint answers 404. Scrapes per address and minute.
    "METRICS_TOKEN": None,
    "METRICS_RATE_LIMIT": 60,
    # The queue page's health check (queues/health.py): seconds a queue's findings are reused,
    # newest jobs read per state, a payload's size worth a finding, a waiting job's age worth
    # one, and how long a rate limiter may hold a queue back before it is one.
    "HEALTH_CACHE_SECONDS": 60,
    "HEALTH_SAMPLE": 50,
    "HEALTH_PAYLOAD_BYTES": 100 * 1024,
    "HEALTH_WAITING_SECONDS": 300,
    "HEALTH_LIMITER_SECONDS": 60,
    # Groups the overview's queues by the part of their names before this text ("." or ":":
    # ``billing.invoices`` and ``billing.refunds`` under ``billing``); None: no groups.
    "GROUP_DELIMITER": None,
    # Failed jobs of a queue read (the newest) to group them by cause; the groups say when
    # there were more (queues/failure_groups.py).
    "FAILURE_GROUPS_SCAN": 5000,
    # Dotted path to ``callable(backend, queue, job) -> url | None``: the job's page in the host
    # application, linked from the board's job page (only http and https URLs are shown).
    "EXTERNAL_JOB_URL": None,
    # The header's environment badge: {"label": "production", "color": "red"} (colours:
    # queues/presentation.py ENVIRONMENT_COLORS); None: no badge.
    "ENVIRONMENT": None,
    # Metrics history (queues/history/): the live reader counts finished jobs per queue and
    # minute into the board's database; False: nothing is counted or kept, no charts. Seconds
    # between its writes, and finished jobs whose wait and run times it reads per write at most.
    "HISTORY": True,
    "HISTORY_FLUSH_SECONDS": 15,
    "HISTORY_TIMINGS_PER_FLUSH": 500,
    # Alerts (queues/alerts/): the rules (see the README), evaluated by the live reader every
    # ALERT_INTERVAL_SECONDS; addresses e-mailed on every alert (besides a rule's own); the
    # webhook {"url", "secret", "timeout", "retries", "backoff"} or None; deliveries waiting
    # at most (more are dropped and logged).
    "ALERTS": [],
    "ALERT_INTERVAL_SECONDS": 30,
    "ALERT_EMAILS": [],
    "ALERT_WEBHOOK": None,
    "ALERT_DELIVERY_QUEUE": 100,
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
