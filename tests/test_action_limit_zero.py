"""``"limit": 0`` (a JSON number) means no limit, as the README says, like ``"0"`` and ``""``."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from queues.actions.params import parse_limit
from queues.errors import BadRequest
from tests.actions_helpers import grant, queue_action, wait_for_run
from tests.fixtures_bullmq import write_finished_jobs


@pytest.mark.parametrize("raw", [None, "", "0", 0, " 0 "])
def test_zero_or_empty_is_no_limit(raw: Any) -> None:
    assert parse_limit(raw) is None


@pytest.mark.parametrize(("raw", "limit"), [(5, 5), ("5", 5), (" 7", 7)])
def test_a_positive_limit(raw: Any, limit: int) -> None:
    assert parse_limit(raw) == limit


@pytest.mark.parametrize("raw", [-1, "-1", 1.5, "1.5", True, False, "x", [1], {"n": 1}])
def test_anything_else_is_a_bad_request(raw: Any) -> None:
    with pytest.raises(BadRequest):
        parse_limit(raw)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("limit", [0, "0", ""])
def test_a_bulk_retry_with_limit_zero_retries_every_job(
    client: Client, staff_user: Any, bullmq_settings: Any, redis_url: str, limit: Any
) -> None:
    write_finished_jobs(redis_url, "limits", 5)
    client.force_login(grant(staff_user, "retry_jobs"))
    response = queue_action(client, "bullmq", "limits", "retry-all", state="failed", limit=limit)
    assert response.status_code == 202, response.content
    run = wait_for_run(client, response.json()["run"]["id"])
    assert (run["status"], run["done"]) == ("finished", 5)
