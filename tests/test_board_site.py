"""The standalone site: settings from the environment, health check, superuser from env vars."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from board.env import database_from_url

ROOT = Path(__file__).resolve().parent.parent


def test_sqlite_urls() -> None:
    assert database_from_url("sqlite:///db.sqlite3", ROOT)["NAME"] == str(ROOT / "db.sqlite3")
    assert database_from_url("sqlite:////tmp/x.db", ROOT)["NAME"] == "/tmp/x.db"


def test_postgres_url() -> None:
    db = database_from_url("postgres://u:p%40ss@db.local:5433/board?sslmode=require", ROOT)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "u",
        "p@ss",
        "db.local",
        "5433",
        "board",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_unknown_scheme() -> None:
    with pytest.raises(ValueError, match="not supported"):
        database_from_url("oracle://x/y", ROOT)


def test_healthz_needs_no_login(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def run_manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}},
        "SECRET_KEY": "x",
        "DATABASE_URL": f"sqlite:///{tmp_path}/board.sqlite3",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        text=True,
        capture_output=True,
        timeout=120,
    )


@pytest.mark.slow
def test_createsuperuser_noinput_from_environment(tmp_path: Path) -> None:
    assert run_manage(tmp_path, "migrate", "--noinput").returncode == 0
    created = run_manage(
        tmp_path,
        "createsuperuser",
        "--noinput",
        DJANGO_SUPERUSER_USERNAME="boss",
        DJANGO_SUPERUSER_PASSWORD="s3cret-pass",
        DJANGO_SUPERUSER_EMAIL="boss@example.com",
    )
    assert created.returncode == 0, created.stderr
    check = run_manage(
        tmp_path,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; u=User.objects.get(username='boss');"
        "print(u.is_superuser, u.check_password('s3cret-pass'))",
    )
    assert check.stdout.strip().splitlines()[-1] == "True True", check.stderr


def test_settings_refuse_to_start_without_secret_key(tmp_path: Path) -> None:
    result = run_manage(tmp_path, "check", SECRET_KEY="", DEBUG="0")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr
