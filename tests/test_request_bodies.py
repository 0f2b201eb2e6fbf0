"""Request bodies of the action API are bounded in size and depth (F10.12).

``[[[[…]]]]`` nested deeper than Python's recursion limit made ``json.loads`` raise
``RecursionError``: an unhandled 500. Every POST endpoint of the API now answers 413 with the
JSON error shape for a body over ``MAX_BODY_BYTES``, and 400 for one nested too deeply or
malformed; a well-formed body works as before.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from queues.models import BulkRun
from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant

pytestmark = pytest.mark.django_db(transaction=True)

Q = "contract"


@pytest.fixture
def run_id(staff_user: Any) -> str:
    run = BulkRun.objects.create(action="retry-all", backend="tasks", queue=Q, status="finished")
    return str(run.pk)


def post_endpoints(job_id: str, run_id: str) -> dict[str, str]:
    """Every POST endpoint of the JSON API."""
    return {
        "job-action": reverse("queues:api-job-action", args=["tasks", Q, job_id, "retry"]),
        "selection": reverse("queues:api-selection", args=["tasks", Q, "retry"]),
        "retry-all": reverse("queues:api-queue-action", args=["tasks", Q, "retry-all"]),
        "clean": reverse("queues:api-queue-action", args=["tasks", Q, "clean"]),
        "pause": reverse("queues:api-queue-action", args=["tasks", Q, "pause"]),
        "run-cancel": reverse("queues:api-run-cancel", args=[run_id]),
    }


@pytest.fixture
def endpoints(tasks_contract_env: Any, run_id: str) -> dict[str, str]:
    from queues.states import JobState

    return post_endpoints(tasks_contract_env.ids[JobState.FAILED][0], run_id)


@pytest.fixture
def operator(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, *ALL_ACTION_PERMISSIONS))
    return client


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    return error


def nested(depth: int) -> bytes:
    return b'{"ids": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("depth", [100, 1_000, 100_000])
@pytest.mark.parametrize("name", ["selection", "retry-all", "clean", "pause"])
def test_a_deeply_nested_body_is_a_400(
    operator: Client, endpoints: dict[str, str], name: str, depth: int
) -> None:
    response = operator.post(endpoints[name], nested(depth), content_type="application/json")
    error = assert_error(response, 400, "bad_request")
    assert "nested" in error["message"]


@pytest.mark.parametrize("name", ["job-action", "selection", "retry-all", "pause", "run-cancel"])
def test_an_oversized_body_is_a_413_on_every_endpoint(
    operator: Client, endpoints: dict[str, str], settings: Any, name: str
) -> None:
    settings.QUEUEBOARD = {"MAX_BODY_BYTES": 1000}
    body = json.dumps({"ids": ["x" * 50] * 30}).encode()
    assert len(body) > 1000
    for content_type in ("application/json", "application/x-www-form-urlencoded"):
        response = operator.post(endpoints[name], body, content_type=content_type)
        error = assert_error(response, 413, "payload_too_large")
        assert "1000 bytes" in error["message"]


def test_the_default_bound_is_one_mebibyte(operator: Client, endpoints: dict[str, str]) -> None:
    body = b'{"ids": ["' + b"x" * (1024 * 1024) + b'"]}'
    response = operator.post(endpoints["selection"], body, content_type="application/json")
    assert_error(response, 413, "payload_too_large")


@pytest.mark.parametrize(
    "body",
    [b"{", b"[1, 2", b"\xff\xfe", b"null", b"[]", b'"ids"', b"1e400", b'{"ids": NaN}'],
)
def test_a_malformed_body_is_a_400(
    operator: Client, endpoints: dict[str, str], body: bytes
) -> None:
    for name in ("selection", "retry-all"):
        response = operator.post(endpoints[name], body, content_type="application/json")
        assert_error(response, 400, "bad_request")


def test_well_formed_bodies_still_work(operator: Client, endpoints: dict[str, str]) -> None:
    response = operator.post(
        endpoints["pause"], {"note": {"deep": [1, [2, [3]]]}}, content_type="application/json"
    )
    assert response.status_code == 403  # Django Tasks cannot pause: the body was fine
    selection = operator.post(
        endpoints["selection"], {"ids": ["nope"]}, content_type="application/json"
    )
    assert selection.status_code == 200, selection.content
    assert selection.json()["skipped"][0]["id"] == "nope"


def test_bodies_are_checked_after_login(client: Client, endpoints: dict[str, str]) -> None:
    """An anonymous caller gets 401 whatever it sends, never a parse of its body."""
    response = client.post(endpoints["selection"], nested(100_000), content_type="application/json")
    assert_error(response, 401, "not_authenticated")
