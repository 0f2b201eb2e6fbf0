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
