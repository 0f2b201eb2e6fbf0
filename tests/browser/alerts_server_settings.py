"""The browser tests' board (``server_settings``) with alert rules, for the Alerts page
(test_alerts_page.py): its live reader evaluates them once a page is open."""

from tests.browser.server_settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
QUEUEBOARD = {
    "ALERTS": [
        {"name": "failures", "kind": "failed", "backend": "tasks", "queue": "alerts-shot",
         "above": 2},
        {"name": "backlog of the shop's e-mail queue", "kind": "waiting", "queue": "alerts-shot",
         "above": 3, "resolve_below": 1},
        {"name": "failure-rate", "kind": "failure_rate", "above": 0.2, "resolve_below": 0.05,
         "window": 900},
        {"name": "no-workers", "kind": "no_workers", "backend": "bullmq"},
    ],
    "ALERT_INTERVAL_SECONDS": 1,
}  # fmt: skip
