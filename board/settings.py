"""Settings of the standalone board and the demo, read from environment variables.

REDIS_URL          BullMQ's Redis (a "bullmq" backend is configured when set)
BULLMQ_PREFIX      key prefix of BullMQ queues (default "bull")
RQ_REDIS_URL       RQ's Redis (an "rq" backend is configured when set; may be REDIS_URL's)
CELERY_BROKER_URL  Celery's Redis broker (a "celery" backend is configured when set)
CELERY_RESULT_URL  Celery's Redis result backend, to read tasks by id (optional)
DATABASE_URL       the board's database, also the Django Tasks store (default sqlite:///db.sqlite3)
TASKS_QUEUES       comma separated Django Tasks queue names, listed even when empty
                   (default: none declared, and any queue name accepted)
SECRET_KEY         required unless DEBUG is on
ALLOWED_HOSTS      comma separated (default "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS  comma separated origins when served behind a proxy
DEBUG              "1" to turn on Django's debug mode
REDIS_SSL_*, REDIS_SENTINEL_*, REDIS_CLUSTER  TLS, Sentinel and cluster options of REDIS_URL
                   (board/redis_env.py)
CHANNEL_REDIS_URL  Redis for channels_redis (several board processes); in-memory layer when unset
QUEUEBOARD_READ_ONLY  "1" to refuse every action on every backend
QUEUEBOARD_COUNTS_CACHE_SECONDS  seconds the overview's counts are reused (default 1; 0: off)
QUEUEBOARD_METRICS_TOKEN  the bearer token Prometheus sends to /metrics (unset: no endpoint)
QUEUEBOARD_ENVIRONMENT  a badge in the header naming the environment (e.g. "production")
QUEUEBOARD_ENVIRONMENT_COLOR  its colour: red, orange, yellow, green, blue, purple, gray
TIME_ZONE          the time zone of dates shown (default "UTC")
LANGUAGE_CODE      the language when the browser asks for none the board ships (default "en");
                   otherwise each browser gets its own (en, de, es, fr, ja, pt-br)
STATIC_ROOT        where collectstatic puts the static files (default "staticfiles")
LOG_LEVEL          the root logger's level (default "INFO")
SESSION_COOKIE_AGE seconds a login lasts (default 43200, 12 hours)
AUTH_CACHE_SECONDS seconds a process reuses a session's user without reading the database
                   (default 2; 0: off); with several board processes, a logout, deactivation or
                   permission change made through one reaches the others within this time
LOGIN_FAILURES, LOGIN_ADDRESS_FAILURES, LOGIN_WINDOW  failed logins refused beyond, per account
                   (default 5) and per address (default 20), in a window of seconds (default 900)
CACHE_REDIS_URL    a Redis for Django's cache, so that rate limits (logins, searches) hold across
                   several board processes (default: each process its own memory)

HTTPS (see the README's HTTPS section; `check --deploy` passes with these set):
HTTPS              "1" when users reach the board over HTTPS: secure session and CSRF cookies,
                   HTTP redirected to HTTPS (except /healthz) and HSTS
SECURE_PROXY_SSL_HEADER  the header a TLS-terminating proxy sets, e.g. "X-Forwarded-Proto"
                   (its value must be "https"); set only when such a proxy is always in front
SECURE_HSTS_SECONDS  HSTS max-age when HTTPS is on (default 31536000, one year; 0: no HSTS)
SECURE_HSTS_INCLUDE_SUBDOMAINS, SECURE_HSTS_PRELOAD  "1" to add those HSTS directives
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import django

from .env import database_from_url, env_bool, env_list, proxy_ssl_header
from .environment_env import environment_badge
from .redis_env import bullmq_connection_options

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
    *([] if HAS_BUILTIN_TASKS else ["django_tasks"]),
    "django_tasks_db",
    "queues",
    "board",
]

# Django's standard middleware, run on the event loop where a hook does no I/O
# (board/middleware.py): each is a subclass of Django's own with the same behaviour, minus a
# thread hop per hook; static files are WhiteNoise's, also on the loop (board/static_files.py).
MIDDLEWARE = [
    "board.middleware.LoopSecurityMiddleware",
    "board.static_files.LoopWhiteNoiseMiddleware",
    "board.middleware.LoopSessionMiddleware",
    # The board speaks the browser's language (Accept-Language) among LANGUAGES.
    "board.middleware.LoopLocaleMiddleware",
    "board.middleware.LoopCommonMiddleware",
    "board.middleware.LoopCsrfViewMiddleware",
    "board.middleware.LoopAuthenticationMiddleware",
    "board.middleware.LoopMessageMiddleware",
    "board.middleware.LoopXFrameOptionsMiddleware",
]

# Django's W001-W003 look for the exact dotted paths of its security, clickjacking and CSRF
# middleware and so miss the subclasses above. board/checks.py gives the same three warnings for
# what is really installed, and runs Django's other deploy checks that those paths gate (HSTS,
# HTTPS redirect, secure CSRF cookie, X-Frame-Options, ...) with the subclasses seen as Django's.
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
            **bullmq_connection_options(),
        },
        "READ_ONLY": env_bool("QUEUEBOARD_READ_ONLY"),
    }

if os.environ.get("RQ_REDIS_URL"):
    QUEUEBOARD_BACKENDS["rq"] = {
        "BACKEND": "queues.backends.rq.RQBackend",
        "LABEL": "RQ",
        "OPTIONS": {"url": os.environ["RQ_REDIS_URL"]},
        "READ_ONLY": env_bool("QUEUEBOARD_READ_ONLY"),
    }

if os.environ.get("CELERY_BROKER_URL"):
    QUEUEBOARD_BACKENDS["celery"] = {
        "BACKEND": "queues.backends.celery.CeleryBackend",
        "LABEL": "Celery",
        "OPTIONS": {
            "url": os.environ["CELERY_BROKER_URL"],
            "result_url": os.environ.get("CELERY_RESULT_URL", ""),
        },
        "READ_ONLY": env_bool("QUEUEBOARD_READ_ONLY"),
    }

QUEUEBOARD: dict[str, Any] = {
    "TITLE": os.environ.get("QUEUEBOARD_TITLE", "Queueboard"),
    # Tabs polling the overview share one read of the queue server per second and process.
    "COUNTS_CACHE_SECONDS": float(os.environ.get("QUEUEBOARD_COUNTS_CACHE_SECONDS", "1")),
    # Prometheus scrapes <mount>/metrics with "Authorization: Bearer <token>" (404 while unset).
    "METRICS_TOKEN": os.environ.get("QUEUEBOARD_METRICS_TOKEN") or None,
    # The header's badge: QUEUEBOARD_ENVIRONMENT (label), QUEUEBOARD_ENVIRONMENT_COLOR.
    "ENVIRONMENT": environment_badge(os.environ),
}

# Failed logins on /login/ and /admin/login/ (board/login_throttle.py).
BOARD_LOGIN_FAILURES = int(os.environ.get("LOGIN_FAILURES", "5"))
BOARD_LOGIN_ADDRESS_FAILURES = int(os.environ.get("LOGIN_ADDRESS_FAILURES", "20"))
BOARD_LOGIN_WINDOW = int(os.environ.get("LOGIN_WINDOW", "900"))

if os.environ.get("CACHE_REDIS_URL"):
    # Rate-limit counters (queues.limits) shared by every board process.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CACHE_REDIS_URL"],
        }
    }

if os.environ.get("CHANNEL_REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # A read timeout above channels_redis' 5 s wait for a message (redis-py's default
            # is 5 s: every idle wait would fail; queueboard.W203).
            "CONFIG": {
                "hosts": [{"address": os.environ["CHANNEL_REDIS_URL"], "socket_timeout": 10}]
            },
        }
    }
else:
    # One process: channels' in-memory layer, with its expiry sweep throttled (see the module).
    CHANNEL_LAYERS = {"default": {"BACKEND": "queues.live.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
# The languages the board ships (queues/locale, board/locale); a browser asking for another
# gets LANGUAGE_CODE.
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("ja", "日本語"),
    ("pt-br", "Português (Brasil)"),
]
LOCALE_PATHS = [BASE_DIR / "board" / "locale"]  # the standalone site's own pages (login)
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (cached for a year by WhiteNoise) and gzip copies, made by collectstatic.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 3600)))
# A session's user reused for that long per process (board/auth_cache.py).
BOARD_AUTH_CACHE_SECONDS = float(os.environ.get("AUTH_CACHE_SECONDS", "2"))

HTTPS = env_bool("HTTPS")
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(os.environ.get("SECURE_PROXY_SSL_HEADER", ""))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # health checks probe plain HTTP inside the host
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
