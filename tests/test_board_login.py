"""The standalone site's own login and logout pages, in the board's look and under its policy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from tests.security_helpers import assert_board_headers

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
QUEUE_URL = "/queue/tasks/default/"


def login(client: Any, username: str = "staff", password: str = "pw", **extra: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def test_login_page_in_the_boards_look(client: Any) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<header class="qb-header">' in body
    assert "/static/queues/queueboard.css" in body
    assert "/static/board/board.css" in body
    assert '<link rel="icon" href="/static/queues/favicon.svg" type="image/svg+xml">' in body
    assert '<label for="id_username">Username</label>' in body
    assert '<label for="id_password">Password</label>' in body
    assert 'autocomplete="current-password"' in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert "Log out" not in body  # nobody is logged in


def test_board_page_redirects_anonymous_users_to_the_sites_login(client: Any) -> None:
    response = client.get(QUEUE_URL)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={QUEUE_URL}"
    assert client.get(reverse("queues:overview"))["Location"] == "/login/?next=/"


def test_login_keeps_next_and_lands_there(client: Any, staff_user: Any) -> None:
    page = client.get(reverse("login"), {"next": QUEUE_URL})
    assert f'<input type="hidden" name="next" value="{QUEUE_URL}">' in page.content.decode()
    response = login(client, next=QUEUE_URL)
    assert response.status_code == 302
    assert response["Location"] == QUEUE_URL
    assert client.get(reverse("queues:overview")).status_code == 200


def test_login_without_next_lands_on_the_overview(client: Any, staff_user: Any) -> None:
    assert login(client)["Location"] == reverse("queues:overview")


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/", "http://testserver.evil/x"]
)
def test_unsafe_next_is_refused(client: Any, staff_user: Any, unsafe: str) -> None:
    page = client.get(reverse("login"), {"next": unsafe})
    assert "evil" not in page.content.decode()
    response = login(client, next=unsafe)
    assert response.status_code == 302
    assert response["Location"] == reverse("queues:overview")


def test_bad_credentials_show_an_announced_escaped_error(client: Any, staff_user: Any) -> None:
    response = login(client, username="<script>alert(1)</script>", password="nope")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<title>Error: Log in · Queueboard</title>" in body
    assert '<div id="login-error" class="qb-problem" role="alert">' in body
    assert "Please enter a correct username and password." in body
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in body
    assert "<script>alert" not in body
    assert body.count('aria-describedby="login-error"') == 2
    assert body.count('aria-invalid="true"') == 2
    assert "_auth_user_id" not in client.session


def test_login_needs_the_csrf_token(staff_user: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    refused = login(client)
    assert refused.status_code == 403
    assert_board_headers(refused)  # Django's CSRF failure page, with the board's headers
    page = client.get(reverse("login"))
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert match
    assert login(client, csrfmiddlewaretoken=match.group(1)).status_code == 302


def test_logout_button_in_the_header_of_board_pages(staff_client: Any) -> None:
    body = staff_client.get(reverse("queues:overview")).content.decode()
    form = re.search(r'<form class="qb-inline" method="post" action="/logout/">(.*?)</form>', body)
    assert form, body
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert '<button class="qb-button" type="submit">Log out</button>' in form.group(1)
    # The app's icon, on every board page as on the login page.
    assert '<link rel="icon" href="/static/queues/favicon.svg" type="image/svg+xml">' in body


def test_apps_base_template_has_no_site_links() -> None:
    """Host sites keep the app's header: nothing of the standalone site's own files."""
    text = (ROOT / "queues" / "templates" / "queues" / "base.html").read_text()
    assert "board/" not in text and "{% url 'logout' %}" not in text


def test_mounted_board_logs_out_through_the_admin(staff_client: Any, settings: Any) -> None:
    """A host site without a "logout" URL name gets the admin's logout in the header."""
    settings.ROOT_URLCONF = "tests.urls_admin_only"
    settings.LOGIN_URL = "/accounts/login/"  # Django's default, as in a new startproject site
    body = staff_client.get("/ops/queues/").content.decode()
    form = re.search(
        r'<form class="qb-inline" method="post" action="/admin/logout/">(.*?)</form>', body
    )
    assert form, body
    assert '<input type="hidden" name="next" value="/ops/queues/">' in form.group(1)
    response = staff_client.post("/admin/logout/", {"next": "/ops/queues/"})
    assert response.status_code == 302 and response["Location"] == "/ops/queues/"
    assert staff_client.get("/ops/queues/")["Location"].startswith("/accounts/login/")


def test_no_logout_button_without_a_logout_view(staff_client: Any, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.urls_board_only"
    settings.LOGIN_URL = "/accounts/login/"
    body = staff_client.get("/ops/queues/").content.decode()
    assert "Log out" not in body


def test_board_refusal_offers_no_way_back_into_the_refusal(client: Any, plain_user: Any) -> None:
    client.force_login(plain_user)  # not staff: the board answers 403
    page = client.get(reverse("queues:overview"))
    assert page.status_code == 403
    body = page.content.decode()
    assert "Back to all queues" not in body
    assert "Log out" in body


def test_logout_by_post_returns_to_login_with_a_notice(staff_client: Any) -> None:
    response = staff_client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert staff_client.get(reverse("queues:overview"))["Location"] == "/login/?next=/"
    page = staff_client.get(reverse("login")).content.decode()
    assert '<p class="qb-notice qb-notice-info">You are logged out.</p>' in page


def test_logout_by_get_does_not_log_out(staff_client: Any) -> None:
    assert staff_client.get(reverse("logout")).status_code == 405
    assert staff_client.get(reverse("queues:overview")).status_code == 200


@pytest.mark.parametrize("method", ["get", "post"])
def test_security_headers_on_login_and_logout(client: Any, method: str) -> None:
    for name in ("login", "logout"):
        assert_board_headers(getattr(client, method)(reverse(name)))


def test_login_page_has_no_inline_script_or_style(client: Any) -> None:
    body = client.get(reverse("login"), {"next": "/"}).content.decode()
    assert re.findall(r"<script[^>]*>", body)
    assert all(" src=" in tag for tag in re.findall(r"<script[^>]*>", body))
    assert not re.search(r"\son[a-z]+\s*=|\sstyle\s*=|<style", body)


def test_site_templates_have_no_inline_script_style_or_handlers() -> None:
    templates = list((ROOT / "templates").rglob("*.html"))
    assert templates
    for template in templates:
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert not re.search(r"\son[a-z]+\s*=|\sstyle\s*=|<style", text), template
        assert "hx-on" not in text, template


def test_site_static_files_are_found_and_shipped() -> None:
    """collectstatic finds the top-level static/; the image copies it and templates/."""
    found = finders.find("board/board.css")
    assert found and Path(str(found)).is_relative_to(ROOT / "static")
    assert "MIT" in (ROOT / "static" / "board" / "README.md").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY templates ./templates" in dockerfile
    assert "COPY static ./static" in dockerfile
    assert dockerfile.index("COPY static") < dockerfile.index("collectstatic")


def test_the_headers_logout_lands_on_the_login_page(staff_client: Any) -> None:
    response = staff_client.post(reverse("logout"), {"next": "/"})  # as the header's form posts
    assert response["Location"] == reverse("login")
