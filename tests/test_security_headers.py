"""Every page and API answer carries strict security headers; the pages need no inline script."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tests.security_helpers import assert_board_headers

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "queues" / "templates"


@pytest.mark.parametrize(
    "url",
    [
        reverse("queues:overview"),
        reverse("queues:api-queues"),
        reverse("queues:queue", args=["x", "y"]),
    ],
)
def test_headers_on_pages_api_and_errors(staff_client: Any, url: str) -> None:
    assert_board_headers(staff_client.get(url))


def test_headers_when_refused(client: Any, plain_user: Any) -> None:
    client.force_login(plain_user)
    assert "Content-Security-Policy" in client.get(reverse("queues:overview"))
    assert "Content-Security-Policy" in client.get(reverse("queues:api-queues"))


def test_policy_is_a_setting(staff_client: Any, settings: Any) -> None:
    settings.QUEUEBOARD = {"CONTENT_SECURITY_POLICY": "default-src 'none'"}
    assert staff_client.get(reverse("queues:overview"))["Content-Security-Policy"] == (
        "default-src 'none'"
    )


def test_templates_have_no_inline_script_style_or_handlers() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert not re.search(r"\son[a-z]+\s*=", text), template
        assert not re.search(r"\sstyle\s*=", text), template
        assert "hx-on" not in text, template


# -- authenticated answers are never stored by a browser or a proxy --------------------------------


def assert_not_stored(response: Any) -> None:
    assert "no-store" in response["Cache-Control"], response.get("Cache-Control")


@pytest.mark.parametrize(
    "url",
    [
        reverse("queues:overview"),
        reverse("queues:queue", args=["x", "y"]),  # an error page
        reverse("queues:audit"),  # a refusal (staff without the permission)
        reverse("queues:run", args=["00000000-0000-0000-0000-000000000000"]),
    ],
)
def test_authenticated_pages_are_not_stored(staff_client: Any, url: str) -> None:
    assert_not_stored(staff_client.get(url))


def test_downloads_are_not_stored(staff_client: Any, tasks_contract_env: Any) -> None:
    from queues.states import JobState

    job_id = tasks_contract_env.ids[JobState.FAILED][0]
    url = reverse("queues:job-download", args=["tasks", "contract", job_id, "data"])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert_not_stored(response)


# -- the standalone site's own answers carry the board's headers -----------------------------------


@pytest.mark.parametrize(
    ("url", "status"),
    [("/no-such-page", 404), ("/healthz", 200), ("/login/", 200)],
)
def test_site_pages_carry_the_boards_headers(client: Any, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert_board_headers(response)


def test_a_bad_host_is_a_400_with_the_boards_headers(client: Any) -> None:
    response = client.get("/healthz", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert_board_headers(response)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", reverse("queues:api-job-action", args=["tasks", "q", "1", "retry"])),
        ("get", reverse("queues:job-action", args=["tasks", "q", "1", "retry"])),
        ("post", reverse("queues:overview")),
        ("post", reverse("queues:queue", args=["tasks", "q"])),
        ("post", reverse("queues:job-download", args=["tasks", "q", "1", "data"])),
        ("post", reverse("queues:api-queues")),
        # POST there adds a job (queues.add_jobs); other writes are refused.
        ("put", reverse("queues:api-jobs", args=["tasks", "q"])),
        ("post", reverse("queues:api-audit")),
        ("post", reverse("queues:audit")),
        ("post", reverse("queues:api-run", args=["1"])),
        ("get", reverse("queues:run-cancel", args=["1"])),
        ("get", "/logout/"),
    ],
)
def test_wrong_method_is_a_405_with_the_boards_headers(
    staff_client: Any, method: str, url: str
) -> None:
    response = getattr(staff_client, method)(url)
    assert response.status_code == 405
    assert_board_headers(response)


@pytest.mark.urls("tests.urls_raising")
def test_a_crash_is_a_500_with_the_boards_headers(client: Any) -> None:
    client.raise_request_exception = False
    response = client.get("/crash")
    assert response.status_code == 500
    assert_board_headers(response)
    assert "Traceback" not in response.content.decode()
