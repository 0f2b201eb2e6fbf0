"""Bench settings: the standalone board with only its Django Tasks backend (django-tasks-db).

Read from the environment that ``bench/tasks_million_rows.py`` sets: DATABASE_URL (a SQLite
file in a temp dir, or a PostgreSQL database), SECRET_KEY, QUEUEBOARD_COUNTS_CACHE_SECONDS.
DEBUG stays off, as in production; log output is kept to warnings.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from board.settings import *  # noqa: F403
from board.settings import QUEUEBOARD_BACKENDS

QUEUEBOARD_BACKENDS = {k: v for k, v in QUEUEBOARD_BACKENDS.items() if k == "tasks"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
