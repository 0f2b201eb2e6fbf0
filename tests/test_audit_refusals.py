"""Refusals in the audit log: only POSTs write them, and at most a few per user and minute
(finding F10.10).

Before: opening a confirmation page without the permission wrote a refusal, so a link or an
``<img>`` on another site could write entries in a logged-in user's name, as often as it liked.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from queues.actions import refusal_limit
from queues.models import AuditEntry
from tests.actions_helpers import job_action

pytestmark = pytest.mark.django_db(transaction=True)


def refused() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(outcome="refused").order_by("id"))


def test_opening_a_confirmation_without_permission_writes_nothing(
    staff_client: Client, tasks_contract_env: Any
) -> None:
    url = reverse("queues:queue-action", args=["tasks", "contract", "retry-all"])
    for _ in range(50):
        response = staff_client.get(url, {"state": "failed"})
        assert response.status_code == 403
        assert "queues.retry_jobs" in response.content.decode()
    assert AuditEntry.objects.count() == 0
    assert staff_client.post(url, {"state": "failed"}).status_code == 403  # a POST is recorded
    (entry,) = refused()
    assert entry.action == "retry-all" and "queues.retry_jobs" in entry.message


def test_refusals_beyond_the_rate_are_counted_not_written(
    staff_client: Client, django_user_model: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.QUEUEBOARD = {"AUDIT_REFUSALS_PER_MINUTE": 10}
    now = [1_000_030.0]  # the middle of a minute, frozen: the counts are exact
    monkeypatch.setattr(refusal_limit, "clock", lambda: now[0])
    for _ in range(30):
        assert job_action(staff_client, "tasks", "q", "1", "retry").status_code == 403
    assert len(refused()) == 10  # the other 20 answered 403 just the same
    other = Client()
    other.force_login(django_user_model.objects.create_user("other", password="pw", is_staff=True))
    assert job_action(other, "tasks", "q", "1", "remove").status_code == 403
    assert [e.username for e in refused()].count("other") == 1  # a rate per user
    now[0] += 120  # two minutes later
    assert job_action(staff_client, "tasks", "q", "1", "retry").status_code == 403
    latest = refused()[-1]
    assert latest.username == "staff"
    assert latest.message.endswith(
        "(20 earlier refusal(s) of this user were not recorded: more than 10 a minute.)"
    )
    assert job_action(staff_client, "tasks", "q", "1", "retry").status_code == 403
    assert "not recorded" not in refused()[-1].message  # the count was reported once
