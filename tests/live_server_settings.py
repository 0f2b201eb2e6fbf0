"""Settings of daphne processes started by the live-update tests and the benchmark.

The browser tests' server settings, plus live timings from ``QUEUEBOARD_LIVE_JSON``; the channel
layer comes from ``CHANNEL_REDIS_URL`` as in production (in-memory when unset).
"""

import json
import os

from tests.browser.server_settings import *  # noqa: F403

QUEUEBOARD_LIVE = json.loads(os.environ.get("QUEUEBOARD_LIVE_JSON") or "{}")
