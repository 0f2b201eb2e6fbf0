"""Settings of the standalone board and the demo, read from environment variables.

REDIS_URL          BullMQ's Redis (a "bullmq" backend is configured when set)
BULLMQ_PREFIX      key prefix of BullMQ queues (default "bull")
DATABASE_URL       the board's database, also the Django Tasks store (default sqlite:///db.sqlite3)
TASKS_QUEUES       comma separated Django Tasks queue names, listed even when empty
                   (default: none declared, and any queue name accepted)
SECRET_KEY         required unless DEBUG is on
ALLOWED_HOSTS      comma separated (default "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS  comma separated origins when served behind a proxy
DEBUG              "1" to turn on Django's debug mode
CHANNEL_REDIS_URL  Redis for channels_redis (several board processes); in-memory layer when unset
QUEUEBOARD_READ_ONLY  "1" to refuse every action on every backend
QUEUEBOARD_COUNTS_CACHE_SECONDS  seconds the overview's counts are reused (default 1; 0: off)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import django

from .env import database_from_url, env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY") or ("insecure-dev-only-key" if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local use).")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "board.headers.csrf_failure"  # Django's page, with the board's headers

HAS_BUILTIN_TASKS = django.VERSION >= (6, 0)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    *([] if HAS_BUILTIN_TASKS else ["django_tasks"]),
    "django_tasks_db",
    "queues",
    "board",
]

# Django's standard middleware, run on the event loop where a hook does no I/O
# (board/middleware.py): each is a subclass of Django's own with the same behaviour, minus a
# thread hop per hook. Django's deploy checks W001-W003 look for the exact dotted paths; board's
# own checks (board/checks.py) take their place and accept the subclasses.
MIDDLEWARE = [
    "board.middleware.LoopSecurityMiddleware",
    "board.middleware.LoopSessionMiddleware",
    "board.middleware.LoopCommonMiddleware",
    "board.middleware.LoopCsrfViewMiddleware",
    "board.middleware.LoopAuthenticationMiddleware",
    "board.middleware.LoopMessageMiddleware",
    "board.middleware.LoopXFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

SILENCED_SYSTEM_CHECKS = ["security.W001", "security.W002", "security.W003"]

ROOT_URLCONF = "board.urls"
ASGI_APPLICATION = "board.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASES = {
    "default": database_from_url(os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3"), BASE_DIR)
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Workers and the board write the same file: wait for locks instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

TASKS: dict[str, Any] = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": env_list("TASKS_QUEUES")}
}

QUEUEBOARD_BACKENDS: dict[str, Any] = {
    "tasks": {
        "BACKEND": "queues.backends.django_tasks.DjangoTasksBackend",
        "LABEL": "Django Tasks",
        "OPTIONS": {"task_backend": "default"},
        "READ_ONLY": env_bool("QUEUEBOARD_READ_ONLY"),
    }
}
if os.environ.get("REDIS_URL"):
    QUEUEBOARD_BACKENDS["bullmq"] = {
        "BACKEND": "queues.backends.bullmq.BullMQBackend",
        "LABEL": "BullMQ",
        "OPTIONS": {
            "url": os.environ["REDIS_URL"],
            "prefix": os.environ.get("BULLMQ_PREFIX", "bull"),
        },
        "READ_ONLY": env_bool("QUEUEBOARD_READ_ONLY"),
    }

QUEUEBOARD: dict[str, Any] = {
    "TITLE": os.environ.get("QUEUEBOARD_TITLE", "Queueboard"),
    # Tabs polling the overview share one read of the queue server per second and process.
    "COUNTS_CACHE_SECONDS": float(os.environ.get("QUEUEBOARD_COUNTS_CACHE_SECONDS", "1")),
}

if os.environ.get("CHANNEL_REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [os.environ["CHANNEL_REDIS_URL"]]},
        }
    }
else:
    # One process: channels' in-memory layer, with its expiry sweep throttled (see the module).
    CHANNEL_LAYERS = {"default": {"BACKEND": "queues.live.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
