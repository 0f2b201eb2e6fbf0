"""What the board needs from its host site: a login page (LOGIN_URL), checked and degraded."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import Error, Warning

from queues.host_checks import check_login_url

pytestmark = pytest.mark.django_db


def test_a_new_sites_default_login_url_is_a_404_and_warned(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.urls_admin_only"
    settings.LOGIN_URL = "/accounts/login/"  # Django's default: no such page in a new site
    [message] = check_login_url()
    assert isinstance(message, Warning) and message.id == "queueboard.W010"
    assert "admin:login" in (message.hint or "")


def test_the_admins_login_passes(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.urls_admin_only"
    settings.LOGIN_URL = "admin:login"
    assert check_login_url() == []


def test_a_login_url_name_that_does_not_exist_is_an_error(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.urls_board_only"
    settings.LOGIN_URL = "login"
    [message] = check_login_url()
    assert isinstance(message, Error) and message.id == "queueboard.E010"


def test_another_sites_login_is_not_checked(settings: Any) -> None:
    settings.LOGIN_URL = "https://sso.example.com/login"
    assert check_login_url() == []


def test_a_login_url_that_names_nothing_is_a_clear_401_not_a_500(
    client: Any, settings: Any
) -> None:
    settings.ROOT_URLCONF = "tests.urls_board_only"
    settings.LOGIN_URL = "login"
    page = client.get("/ops/queues/")
    assert page.status_code == 401
    assert "This site has no login page yet (LOGIN_URL)" in page.content.decode()


def test_a_site_without_csrf_middleware_is_an_error(settings: Any) -> None:
    from queues.host_checks import check_middleware

    assert check_middleware() == []  # the board's own subclasses count
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "Csrf" not in m]
    [message] = check_middleware()
    assert message.id == "queueboard.E011" and "CsrfViewMiddleware" in message.msg


def test_pages_need_no_auth_context_processor(staff_client: Any, settings: Any) -> None:
    """The header (user name, Log out, Audit log) comes from the board's own context."""
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "OPTIONS": {"context_processors": []}},
    ]
    body = staff_client.get("/").content.decode()
    assert '<span class="qb-user">staff</span>' in body
    assert "Log out" in body
