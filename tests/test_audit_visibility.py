"""The audit log shows only entries of queues the reader may see elsewhere (finding F10.8).

Hidden queues, queues the ACCESS rule keeps from the reader and backends no longer configured
answer 404 on every page; their entries (queue names, job ids, messages) stay out of the audit
page, the audit API (totals and filters included) and Django's admin.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from queues.models import AuditEntry, BulkRun
from tests.actions_helpers import grant

pytestmark = pytest.mark.django_db

# (backend, queue): a visible queue, a hidden one, one the "ops" rule forbids ("secret"), one
# that no longer exists, and one of a backend no longer configured.
SHOWN = ("tasks", "shown")
HIDDEN = ("tasks", "hidden-q")
SECRET = ("tasks", "secret")
GONE = ("tasks", "gone")
RETIRED = ("retired", "shown")
ALL = (SHOWN, HIDDEN, SECRET, GONE, RETIRED)


def job_id(pair: tuple[str, str]) -> str:
    return f"job-of-{pair[0]}-{pair[1]}"


def write_entry(pair: tuple[str, str]) -> AuditEntry:
    return AuditEntry.objects.create(
        action="retry", backend=pair[0], queue=pair[1], job_ids=[job_id(pair)],
        outcome="ok", username="someone", message=f"message about {job_id(pair)}",
    )  # fmt: skip


@pytest.fixture
def log() -> dict[tuple[str, str], AuditEntry]:
    return {pair: write_entry(pair) for pair in ALL}


@pytest.fixture
def hidden(settings: Any) -> None:
    entry = dict(settings.QUEUEBOARD_BACKENDS["tasks"], HIDDEN_QUEUES=[HIDDEN[1]])
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "tasks": entry}


@pytest.fixture
def ops_rule(settings: Any) -> None:
    settings.QUEUEBOARD = {"ACCESS": "tests.access_rules.members_of_ops"}


def login(client: Client, user: Any) -> Client:
    client.force_login(grant(user, "view_auditentry"))
    return client


def api_pairs(client: Client, **params: str) -> set[tuple[str, str]]:
    body = client.get(reverse("queues:api-audit"), params).json()
    pairs = {(e["backend"], e["queue"]) for e in body["entries"]}
    assert body["total"] == len(pairs)
    return pairs


def page_pairs(client: Client) -> set[tuple[str, str]]:
    body = client.get(reverse("queues:audit")).content.decode()
    return {pair for pair in ALL if job_id(pair) in body}


def admin_pairs(client: Client) -> set[tuple[str, str]]:
    body = client.get(reverse("admin:queues_auditentry_changelist")).content.decode()
    by_pk = {f"/{entry.pk}/change/": pair for pair, entry in _log_entries().items()}
    return {pair for link, pair in by_pk.items() if link in body}


def _log_entries() -> dict[tuple[str, str], AuditEntry]:
    return {(e.backend, e.queue): e for e in AuditEntry.objects.all()}


def test_hidden_queues_and_unknown_backends_are_left_out(
    client: Client, staff_user: Any, log: Any, hidden: None
) -> None:
    auditor = login(client, staff_user)
    seen = {SHOWN, SECRET, GONE}  # the built-in rule forbids no queue; "gone" is not hidden
    assert api_pairs(auditor) == seen
    assert page_pairs(auditor) == seen
    assert admin_pairs(auditor) == seen


def test_the_access_rule_decides_per_queue(
    client: Client, django_user_model: Any, log: Any, ops_rule: None
) -> None:
    member = django_user_model.objects.create_user("member", password="pw")  # not staff
    member.groups.add(Group.objects.create(name="ops"))
    auditor = login(client, member)
    seen = {SHOWN, HIDDEN, GONE}  # nothing hidden here; "secret" is the rule's
    assert api_pairs(auditor) == seen
    assert page_pairs(auditor) == seen


def test_filters_cannot_reach_what_is_left_out(
    client: Client, staff_user: Any, log: Any, hidden: None
) -> None:
    auditor = login(client, staff_user)
    assert api_pairs(auditor, queue=HIDDEN[1]) == set()
    assert api_pairs(auditor, backend=RETIRED[0]) == set()
    assert api_pairs(auditor, queue="shown") == {SHOWN}


def test_admin_detail_of_a_hidden_entry_is_refused(
    client: Client, django_user_model: Any, log: Any, hidden: None
) -> None:
    client.force_login(django_user_model.objects.create_superuser("root", password="pw"))
    for pair in (HIDDEN, RETIRED):
        url = reverse("admin:queues_auditentry_change", args=[log[pair].pk])
        response = client.get(url, follow=True)
        assert job_id(pair) not in response.content.decode()
        assert "doesn\u2019t exist" in response.content.decode()  # the admin's notice
    shown = client.get(reverse("admin:queues_auditentry_change", args=[log[SHOWN].pk]))
    assert job_id(SHOWN) in shown.content.decode()


def test_admin_bulk_runs_of_hidden_queues_are_left_out(
    client: Client, django_user_model: Any, hidden: None
) -> None:
    runs = {
        pair: BulkRun.objects.create(action="retry-all", backend=pair[0], queue=pair[1])
        for pair in (SHOWN, HIDDEN, RETIRED)
    }
    client.force_login(django_user_model.objects.create_superuser("root", password="pw"))
    body = client.get(reverse("admin:queues_bulkrun_changelist")).content.decode()
    listed = {pair for pair, run in runs.items() if f"/{run.pk}/change/" in body}
    assert listed == {SHOWN}
