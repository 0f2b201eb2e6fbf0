"""Settings of the board served by daphne to the browser tests (a subprocess of pytest).

The test database comes from ``QUEUEBOARD_TEST_DATABASE_URL`` (honoured by ``tests.settings``);
the BullMQ backend points at the suite's private Redis given in ``QUEUEBOARD_BROWSER_REDIS_URL``.
"""

import os

from tests.settings import *  # noqa: F403
from tests.settings import QUEUEBOARD_BACKENDS

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# As the tests' ``tasks_settings`` fixture: django-tasks-db accepting any queue name.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}

if os.environ.get("QUEUEBOARD_BROWSER_REDIS_URL"):
    QUEUEBOARD_BACKENDS = {
        **QUEUEBOARD_BACKENDS,
        "bullmq": {
            "BACKEND": "queues.backends.bullmq.BullMQBackend",
            "LABEL": "BullMQ",
            "OPTIONS": {
                "url": os.environ["QUEUEBOARD_BROWSER_REDIS_URL"],
                "prefix": "bull",
                # Every test empties Redis: rediscover queues on each request.
                "discovery_ttl": 0,
            },
            # A read-only queue of the responsive tests (tests/browser/showcase.py).
            "READ_ONLY_QUEUES": ["nightly-report-generation-for-every-customer-account"],
        },
    }
