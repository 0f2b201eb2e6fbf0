"""Django settings of the benchmarks: the standalone board with only the BullMQ backend.

Read from the environment that ``common.py`` sets before Django starts (in the benchmark
process or the daphne it launches): REDIS_URL, DATABASE_URL (a SQLite file in a temp dir),
SECRET_KEY. DEBUG stays off, as in production; log output is kept to warnings.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from board.settings import *  # noqa: F403
from board.settings import QUEUEBOARD_BACKENDS

# Only the BullMQ backend, so every figure is Redis work (no Django Tasks database reads).
QUEUEBOARD_BACKENDS = {k: v for k, v in QUEUEBOARD_BACKENDS.items() if k == "bullmq"}
# The pages need no collected static files.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The benchmarks' hundreds of viewers share one login: lift the per-user cap of live sockets.
QUEUEBOARD_LIVE = {"MAX_SOCKETS": 10_000}
