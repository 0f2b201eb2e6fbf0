"""The benchmarks' board settings plus live timings from ``QUEUEBOARD_LIVE_JSON``."""

import json
import os

from bench_settings import *  # noqa: F403

QUEUEBOARD_LIVE = json.loads(os.environ.get("QUEUEBOARD_LIVE_JSON") or "{}")
