"""Bench settings: ``bench_settings`` with BullMQ backend options from the environment.

BENCH_BULLMQ_OPTIONS  a JSON object merged into the "bullmq" backend's OPTIONS
"""

import json
import os

from bench_settings import *  # noqa: F403
from bench_settings import QUEUEBOARD_BACKENDS

QUEUEBOARD_BACKENDS = {
    **QUEUEBOARD_BACKENDS,
    "bullmq": {
        **QUEUEBOARD_BACKENDS["bullmq"],
        "OPTIONS": {
            **QUEUEBOARD_BACKENDS["bullmq"]["OPTIONS"],
            **json.loads(os.environ.get("BENCH_BULLMQ_OPTIONS") or "{}"),
        },
    },
}
