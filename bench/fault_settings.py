"""Django settings of the fault and load scripts: the standalone board with both backends.

Like ``bench_settings`` (DEBUG off, no collected static files, a fast password hasher), but the
Django Tasks backend stays, because one fault locks the database under it. Two knobs, read from
the environment:

FAULT_SQLITE_TIMEOUT  seconds SQLite waits for a lock (the board's default is 20)
TASKS_DATABASE_URL    put django-tasks-db's table in a database of its own (alias "tasks"),
                      so locking it leaves sessions and logins alone
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from board.env import database_from_url
from board.settings import *  # noqa: F403
from board.settings import BASE_DIR, DATABASES, QUEUEBOARD_BACKENDS

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The benchmarks' hundreds of viewers share one login: lift the per-user cap of live sockets.
QUEUEBOARD_LIVE = {"MAX_SOCKETS": 10_000}

if os.environ.get("FAULT_SQLITE_TIMEOUT"):
    DATABASES["default"]["OPTIONS"]["timeout"] = float(os.environ["FAULT_SQLITE_TIMEOUT"])

if os.environ.get("TASKS_DATABASE_URL"):
    DATABASES["tasks"] = database_from_url(os.environ["TASKS_DATABASE_URL"], BASE_DIR)
    DATABASES["tasks"]["OPTIONS"] = dict(DATABASES["default"]["OPTIONS"])
    DATABASE_ROUTERS = ["fault_settings.TasksRouter"]
    QUEUEBOARD_BACKENDS["tasks"]["OPTIONS"]["database"] = "tasks"


class TasksRouter:
    """django_tasks_db in the "tasks" database, everything else in "default"."""

    app = "django_tasks_database"  # the app label of django_tasks_db

    def db_for_read(self, model, **hints):  # type: ignore[no-untyped-def]
        return "tasks" if model._meta.app_label == self.app else "default"

    db_for_write = db_for_read

    def allow_relation(self, *objects, **hints):  # type: ignore[no-untyped-def]
        return None

    def allow_migrate(self, db, app_label, **hints):  # type: ignore[no-untyped-def]
        return (db == "tasks") == (app_label == self.app)
