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
                # A display name and description, shown on the pages the browser tests check.
                "queue_display": {
                    "emails": {
                        "display_name": "Transactional e-mails",
                        "description": "Receipts, password resets and invoice reminders.",
                    }
                },
                # The add form of "emails" shows and checks a schema (test_responsive.py).
                "job_schemas": {
                    "emails": {
                        "type": "object",
                        "required": ["to", "template"],
                        "properties": {
                            "to": {"type": "string", "description": "Recipient address"},
                            "template": {"type": "string", "default": "welcome"},
                            "retry": {"type": "boolean"},
                        },
                    }
                },
            },
            # A read-only queue of the responsive tests (tests/browser/showcase.py).
            "READ_ONLY_QUEUES": ["nightly-report-generation-for-every-customer-account"],
        },
    }

# The header's environment badge and each job's link into the host application, on every
# page the browser tests look at.
QUEUEBOARD = {
    "ENVIRONMENT": {"label": "staging", "color": "orange"},
    "EXTERNAL_JOB_URL": "tests.presentation_hooks.showcase_url",
}
