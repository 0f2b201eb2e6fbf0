"""The audit log reads well: one entry per bulk run with its outcome, skips apart from errors,
times with their zone, and the action and outcome filters as choices."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from django.urls import reverse

from queues.actions import audit
from queues.actions.audit_choices import action_choices
from queues.actions.bulk import Tally, final_outcome
from queues.backends.actions import ActionOutcome, JobAction, QueueAction, Skip
from queues.models import AuditEntry, BulkRun
from queues.states import JobState
from tests.actions_helpers import (
    ALL_ACTION_PERMISSIONS,
    grant,
    job_action,
    queue_action,
    wait_for_run,
)
from tests.contract import ContractEnv

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def operator_client(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, *ALL_ACTION_PERMISSIONS))
    return client


def test_a_bulk_run_is_one_entry_running_then_its_outcome(
    operator_client: Client, tasks_contract_env: ContractEnv
) -> None:
    env = tasks_contract_env
    failed = len(env.ids[JobState.FAILED])
    response = queue_action(operator_client, "tasks", "contract", "retry-all")
    assert response.status_code == 202, response.content
    run = wait_for_run(operator_client, response.json()["run"]["id"])
    assert run["status"] == "finished"
    (entry,) = AuditEntry.objects.filter(run_id=run["id"])
    assert (entry.action, entry.outcome, entry.affected) == ("retry-all", "ok", failed)
    assert entry.message == run["message"]


def test_the_running_entry_is_updated_in_place(
    operator_client: Client, tasks_contract_env: ContractEnv, settings: Any
) -> None:
    """While it runs the entry reads "Running"; the end updates that row, not a new one."""
    run = BulkRun.objects.create(action="clean", backend="tasks", queue="contract")
    started = AuditEntry.objects.create(
        action="clean", backend="tasks", queue="contract", outcome="started", run=run
    )
    page = operator_client.get(reverse("queues:audit")).content.decode()
    assert "qb-outcome-started" in page and ">Running<" in page
    async_to_sync(audit.finish)(run, AuditEntry.Outcome.OK, (4, 1, 0), "4 done, 1 skipped.")
    (entry,) = AuditEntry.objects.filter(run=run)
    assert entry.pk == started.pk
    assert (entry.outcome, entry.affected, entry.skipped) == ("ok", 4, 1)
    # A second end (a run found interrupted after all) changes nothing.
    async_to_sync(audit.finish)(run, AuditEntry.Outcome.ERROR, (0, 0, 0), "late")
    assert AuditEntry.objects.get(run=run).outcome == "ok"


def test_a_run_without_its_entry_gets_one_at_the_end() -> None:
    run = BulkRun.objects.create(action="empty", backend="tasks", queue="contract")
    async_to_sync(audit.finish)(run, AuditEntry.Outcome.CANCELLED, (0, 0, 0), "Cancelled.")
    (entry,) = AuditEntry.objects.filter(run=run)
    assert (entry.action, entry.outcome) == ("empty", "cancelled")


def skip(job_id: str, state: JobState | None = JobState.WAITING) -> Skip:
    return Skip(job_id, "moved on", state=state, missing=state is None)


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (ActionOutcome(done=2), "ok"),
        (ActionOutcome(done=0, skipped=[skip("1")]), "skipped"),
        (ActionOutcome(done=0, skipped=[skip("1", None)]), "skipped"),  # gone
        (ActionOutcome(done=1, skipped=[skip("1")]), "partial"),
        (ActionOutcome(done=0, failed=[skip("1")]), "error"),
        (ActionOutcome(done=3, failed=[skip("1")]), "partial"),
    ],
)
def test_skips_are_not_errors(result: ActionOutcome, outcome: str) -> None:
    assert audit.outcome_of(result) == outcome


@pytest.mark.parametrize(
    ("status", "tally", "outcome"),
    [
        (BulkRun.Status.FINISHED, Tally(done=5, skipped=2), "ok"),  # jobs moved on meanwhile
        (BulkRun.Status.FINISHED, Tally(skipped=2), "skipped"),
        (BulkRun.Status.FINISHED, Tally(done=1, failed=1), "partial"),
        (BulkRun.Status.FINISHED, Tally(failed=1), "error"),
        (BulkRun.Status.FAILED, Tally(done=1), "error"),
        (BulkRun.Status.CANCELLED, Tally(done=1), "cancelled"),
    ],
)
def test_a_runs_outcome(status: str, tally: Tally, outcome: str) -> None:
    assert final_outcome(status, tally) == outcome


def test_a_job_that_moved_on_reads_skipped_not_error(
    operator_client: Client, tasks_contract_env: ContractEnv
) -> None:
    job_id = tasks_contract_env.ids[JobState.FAILED][0]
    job_action(operator_client, "tasks", "contract", job_id, "retry")
    job_action(operator_client, "tasks", "contract", job_id, "retry")  # now waiting: 409
    page = operator_client.get(reverse("queues:audit")).content.decode()
    labels = re.findall(
        r'<span class="qb-state qb-outcome qb-outcome-(\w+) ([\w-]+)">([^<]+)<', page
    )
    assert labels == [
        ("skipped", "state-waiting", "Skipped"),
        ("ok", "state-completed", "Done"),
    ]
    assert "Error" not in re.sub(r"<option[^>]*>[^<]*</option>", "", page)


def test_filters_are_choices(operator_client: Client, tasks_contract_env: ContractEnv) -> None:
    page = operator_client.get(reverse("queues:audit"), {"action": "retry-all"}).content.decode()
    action = re.search(r'<select name="action">(.*?)</select>', page, re.S)
    outcome = re.search(r'<select name="outcome">(.*?)</select>', page, re.S)
    assert action and outcome, "the filters are selects"
    values = re.findall(r'<option value="([^"]*)"', action.group(1))
    assert values == ["", *(value for value, _ in action_choices())]
    assert {str(a) for a in (*JobAction, *QueueAction)} <= set(values)
    assert "cancel-retry-all" in values and "cancel-pause" not in values
    assert "schedule-edit" in values
    assert '<option value="retry-all" selected>Retry all</option>' in action.group(1)
    outcomes = re.findall(r'<option value="([^"]*)"', outcome.group(1))
    assert outcomes == ["", *AuditEntry.Outcome.values] and "skipped" in outcomes
    assert 'name="action" value=' not in page  # no free-text action box


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("UTC", "2026-07-01 12:00:05 UTC"), ("Europe/Berlin", "2026-07-01 14:00:05 CEST")],
)
def test_times_show_their_zone(
    operator_client: Client, tasks_contract_env: ContractEnv, settings: Any, zone: str, shown: str
) -> None:
    """Server-side, in the board's TIME_ZONE with the zone's name; time.js shows the viewer's."""
    settings.TIME_ZONE = zone
    entry = AuditEntry.objects.create(
        action="retry", backend="tasks", queue="contract", outcome="ok"
    )
    moment = datetime(2026, 7, 1, 12, 0, 5, 250000, tzinfo=UTC)
    AuditEntry.objects.filter(pk=entry.pk).update(created_at=moment)
    page = operator_client.get(reverse("queues:audit")).content.decode()
    expected = (
        f'<time class="qb-time" datetime="2026-07-01T12:00:05.250Z" data-qb-time="s">{shown}</time>'
    )
    assert expected in page
