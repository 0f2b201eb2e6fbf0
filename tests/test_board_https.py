"""The standalone board behind HTTPS: every Django deploy check runs, and passes when set up.

Settings are read from the environment at start-up, so each case runs ``manage.py`` in a
subprocess with the variables the README's HTTPS section names.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from tests.test_board_site import run_manage

HTTPS_ENV = {
    "HTTPS": "1",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "ALLOWED_HOSTS": "board.example.com",
}

PROBE = """
from django.test import Client
plain = Client().get("/", HTTP_HOST="board.example.com")
print("plain", plain.status_code, plain.get("Location"))
health = Client().get("/healthz", HTTP_HOST="board.example.com")
print("health", health.status_code)
tls = Client().get("/login/", HTTP_HOST="board.example.com", HTTP_X_FORWARDED_PROTO="https")
print("tls", tls.status_code, tls.get("Strict-Transport-Security"))
print("csrf-cookie-secure", tls.cookies["csrftoken"]["secure"])
"""


def strong_key() -> str:
    return secrets.token_urlsafe(50)


def test_check_says_when_static_files_are_not_collected(tmp_path: Path) -> None:
    result = run_manage(tmp_path, "check", "--deploy", STATIC_ROOT=str(tmp_path / "nothing"))
    assert "board.W010" in result.stderr and "collectstatic" in result.stderr


def test_deploy_checks_are_not_switched_off(tmp_path: Path) -> None:
    """Without the HTTPS variables, check --deploy says what Django would say of a plain site."""
    result = run_manage(tmp_path, "check", "--deploy", SECRET_KEY=strong_key())
    output = result.stdout + result.stderr
    for check_id in ("security.W004", "security.W008", "security.W010", "security.W016"):
        assert check_id in output, output


def test_deploy_checks_pass_with_the_https_variables(tmp_path: Path) -> None:
    env = {**HTTPS_ENV, "SECRET_KEY": strong_key(), "STATIC_ROOT": str(tmp_path / "static")}
    assert run_manage(tmp_path, "collectstatic", "--noinput", **env).returncode == 0
    result = run_manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout + result.stderr


def test_behind_a_tls_proxy(tmp_path: Path) -> None:
    env = {**HTTPS_ENV, "SECRET_KEY": strong_key(), "STATIC_ROOT": str(tmp_path / "static")}
    assert run_manage(tmp_path, "collectstatic", "--noinput", **env).returncode == 0
    result = run_manage(tmp_path, "shell", "-c", PROBE, **env)
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["plain"] == "301 https://board.example.com/", result.stderr
    assert lines["health"] == "200"  # health checks probe plain HTTP from inside the host
    assert lines["tls"].startswith("200 max-age=31536000; includeSubDomains; preload")
    assert lines["csrf-cookie-secure"] == "True"


def test_logins_last_twelve_hours_unless_configured(tmp_path: Path) -> None:
    show = "from django.conf import settings; print('age', settings.SESSION_COOKIE_AGE)"
    default = run_manage(tmp_path, "shell", "-c", show)
    assert "age 43200" in default.stdout, default.stderr
    configured = run_manage(tmp_path, "shell", "-c", show, SESSION_COOKIE_AGE="900")
    assert "age 900" in configured.stdout, configured.stderr


def test_login_throttle_and_shared_cache_from_the_environment(tmp_path: Path) -> None:
    show = (
        "from django.conf import settings; from django.core.cache import caches;"
        "print('limits', settings.BOARD_LOGIN_FAILURES, settings.BOARD_LOGIN_ADDRESS_FAILURES,"
        " settings.BOARD_LOGIN_WINDOW); print('cache', type(caches['default']).__name__)"
    )
    default = run_manage(tmp_path, "shell", "-c", show)
    assert "limits 5 20 900" in default.stdout and "cache LocMemCache" in default.stdout
    configured = run_manage(
        tmp_path,
        "shell",
        "-c",
        show,
        LOGIN_FAILURES="3",
        LOGIN_ADDRESS_FAILURES="9",
        LOGIN_WINDOW="60",
        CACHE_REDIS_URL="redis://127.0.0.1:1/0",
    )
    assert "limits 3 9 60" in configured.stdout, configured.stderr
    assert "cache RedisCache" in configured.stdout
