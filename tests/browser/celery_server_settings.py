"""The browser tests' board settings plus a Celery backend (broker and results) on the suite's
private Redis (``tests/browser/test_celery_pages.py``)."""

import os

from tests.browser.server_settings import *  # noqa: F403
from tests.browser.server_settings import QUEUEBOARD_BACKENDS

if os.environ.get("QUEUEBOARD_BROWSER_REDIS_URL"):
    QUEUEBOARD_BACKENDS = {
        **QUEUEBOARD_BACKENDS,
        "celery": {
            "BACKEND": "queues.backends.celery.CeleryBackend",
            "LABEL": "Celery",
            "OPTIONS": {
                "url": os.environ["QUEUEBOARD_BROWSER_REDIS_URL"],
                "result_url": os.environ["QUEUEBOARD_BROWSER_REDIS_URL"],
            },
        },
    }
