"""The benchmarks' board settings plus live timings from ``QUEUEBOARD_LIVE_JSON``."""

import json
import os

from bench_settings import *  # noqa: F403

# 200 clients share one login: the per-user socket cap is lifted unless the run sets it.
QUEUEBOARD_LIVE = {
    "MAX_SOCKETS": 10_000,
    **json.loads(os.environ.get("QUEUEBOARD_LIVE_JSON") or "{}"),
}
