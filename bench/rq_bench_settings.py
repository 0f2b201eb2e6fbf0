"""Django settings of the RQ benchmark: the standalone board with only the RQ backend
(``RQ_REDIS_URL``), and no counts cache, so that every request reads Redis."""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from board.settings import *  # noqa: F403
from board.settings import QUEUEBOARD, QUEUEBOARD_BACKENDS

QUEUEBOARD_BACKENDS = {k: v for k, v in QUEUEBOARD_BACKENDS.items() if k == "rq"}
QUEUEBOARD = {**QUEUEBOARD, "COUNTS_CACHE_SECONDS": 0}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
