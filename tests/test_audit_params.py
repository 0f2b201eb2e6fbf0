"""The audit log's query parameters: out-of-range or malformed values are a clear 400."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from tests.actions_helpers import grant

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture
def auditor(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, "view_auditentry"))
    return client


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": HUGE}, "page must be at most 1000000000."),
        ({"page": "0"}, "page must be 1 or more."),
        ({"page": "two"}, "page must be a whole number."),
        ({"page": "9" * 5000}, "page must be a whole number."),
        ({"queue": "a\x00b"}, "queue cannot hold a NUL character."),
        ({"outcome": "nope"}, "Unknown outcome 'nope'."),
    ],
)
def test_bad_parameters_are_a_400(auditor: Client, params: dict[str, str], message: str) -> None:
    api = auditor.get(reverse("queues:api-audit"), params)
    assert api.status_code == 400, api.content
    assert api.json() == {"error": {"code": "bad_request", "message": message}}
    page = auditor.get(reverse("queues:audit"), params)
    assert page.status_code == 400
    assert escape(message) in page.content.decode()


def test_the_largest_page_is_an_empty_page(auditor: Client) -> None:
    api = auditor.get(reverse("queues:api-audit"), {"page": "1000000000"})
    assert api.status_code == 200
    assert api.json()["entries"] == []
