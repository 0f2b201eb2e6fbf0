"""Read the standalone board's configuration from environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

_ENGINES = {
    "sqlite": "django.db.backends.sqlite3",
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
}


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """``X-Forwarded-Proto`` -> ``("HTTP_X_FORWARDED_PROTO", "https")``; "" -> None (no proxy)."""
    name = name.strip()
    if not name:
        return None
    return "HTTP_" + name.upper().replace("-", "_"), "https"


def database_from_url(url: str, base_dir: Path) -> dict[str, Any]:
    """Turn ``sqlite:///path`` or ``postgres://user:pass@host:port/name`` into a DATABASES entry."""
    parts = urlsplit(url)
    engine = _ENGINES.get(parts.scheme)
    if engine is None:
        raise ValueError(f"DATABASE_URL scheme {parts.scheme!r} is not supported.")
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        # sqlite:///relative.db -> relative to the project; sqlite:////abs/path.db -> absolute.
        name = path[1:]
        if name and not Path(name).is_absolute():
            name = str(base_dir / name)
        return {"ENGINE": engine, "NAME": name or ":memory:"}
    return {
        "ENGINE": engine,
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": dict(parse_qsl(parts.query)),
    }
