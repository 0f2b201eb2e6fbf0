"""The browser tests' board settings plus an RQ backend on the suite's private Redis
(``tests/browser/test_rq_pages.py``)."""

import os

from tests.browser.server_settings import *  # noqa: F403
from tests.browser.server_settings import QUEUEBOARD_BACKENDS

if os.environ.get("QUEUEBOARD_BROWSER_REDIS_URL"):
    QUEUEBOARD_BACKENDS = {
        **QUEUEBOARD_BACKENDS,
        "rq": {
            "BACKEND": "queues.backends.rq.RQBackend",
            "LABEL": "RQ",
            "OPTIONS": {"url": os.environ["QUEUEBOARD_BROWSER_REDIS_URL"]},
        },
    }
