"""Bench settings: ``bench_settings`` with QUEUEBOARD overrides (e.g. search bounds lifted).

BENCH_QUEUEBOARD  a JSON object merged into QUEUEBOARD
"""

import json
import os

from bench_settings import *  # noqa: F403
from bench_settings import QUEUEBOARD

QUEUEBOARD = {**QUEUEBOARD, **json.loads(os.environ.get("BENCH_QUEUEBOARD") or "{}")}
