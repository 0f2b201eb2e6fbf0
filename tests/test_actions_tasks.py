"""Actions on the Django Tasks backend through the API and the pages, with permissions and audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from queues.models import AuditEntry
from queues.states import JobState
from tests.actions_helpers import (
    ALL_ACTION_PERMISSIONS,
    grant,
    job_action,
    queue_action,
    selection,
    wait_for_run,
)
from tests.contract import ContractEnv

pytestmark = pytest.mark.django_db(transaction=True)


def row(job_id: str) -> Any:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.get(pk=job_id)


@pytest.fixture
def operator(staff_user: Any) -> Any:
    return grant(staff_user, *ALL_ACTION_PERMISSIONS)


@pytest.fixture
def operator_client(client: Client, operator: Any) -> Client:
    client.force_login(operator)
    return client


@pytest.fixture
def env(tasks_contract_env: ContractEnv) -> ContractEnv:
    return tasks_contract_env


def test_retry_failed_job_keeps_its_failure_visible(
    operator_client: Client, env: ContractEnv
) -> None:
    job_id = env.ids[JobState.FAILED][0]
    response = job_action(operator_client, "tasks", "contract", job_id, "retry")
    assert response.status_code == 200, response.content
    assert response.json()["done_ids"] == [job_id]
    retried = row(job_id)
    assert retried.status == "READY"
    assert "ContractError" in retried.traceback
    page = operator_client.get(reverse("queues:job", args=["tasks", "contract", job_id]))
    assert "ContractError" in page.content.decode()
    entry = AuditEntry.objects.get(action="retry", outcome="ok")
    assert entry.job_ids == [job_id]
    assert entry.username == "staff"
    assert entry.affected == 1


def test_retrying_a_job_that_moved_on_is_409(operator_client: Client, env: ContractEnv) -> None:
    job_id = env.ids[JobState.FAILED][0]
    assert job_action(operator_client, "tasks", "contract", job_id, "retry").status_code == 200
    again = job_action(operator_client, "tasks", "contract", job_id, "retry")
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["state"] == "waiting"
    assert "no longer failed; it is now waiting" in error["message"]


def test_unknown_job_is_404(operator_client: Client, env: ContractEnv) -> None:
    for job_id in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        response = job_action(operator_client, "tasks", "contract", job_id, "retry")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "job_not_found"


def test_promote_runs_a_delayed_task_now(operator_client: Client, env: ContractEnv) -> None:
    job_id = env.ids[JobState.DELAYED][0]
    assert job_action(operator_client, "tasks", "contract", job_id, "promote").status_code == 200
    assert row(job_id).run_after <= timezone.now()
    waiting = operator_client.get(
        reverse("queues:api-jobs", args=["tasks", "contract"]), {"state": "waiting"}
    ).json()
    assert job_id in [j["id"] for j in waiting["jobs"]]


def test_remove_refuses_a_running_task(operator_client: Client, env: ContractEnv) -> None:
    job_id = env.ids[JobState.WAITING][0]
    type(row(job_id)).objects.filter(pk=job_id).update(status="RUNNING", started_at=timezone.now())
    response = job_action(operator_client, "tasks", "contract", job_id, "remove")
    assert response.status_code == 409
    assert "running" in response.json()["error"]["message"]
    assert row(job_id).status == "RUNNING"


def test_remove(operator_client: Client, env: ContractEnv) -> None:
    job_id = env.ids[JobState.COMPLETED][0]
    assert job_action(operator_client, "tasks", "contract", job_id, "remove").status_code == 200
    from django_tasks_db.models import DBTaskResult

    assert not DBTaskResult.objects.filter(pk=job_id).exists()


def test_selection_reports_what_it_skipped(operator_client: Client, env: ContractEnv) -> None:
    failed = env.ids[JobState.FAILED]
    waiting = env.ids[JobState.WAITING][:1]
    response = selection(operator_client, "tasks", "contract", "retry", failed + waiting)
    body = response.json()
    assert response.status_code == 200
    assert sorted(body["done_ids"]) == sorted(failed)
    assert [s["id"] for s in body["skipped"]] == waiting
    assert body["skipped"][0]["state"] == "waiting"
    entry = AuditEntry.objects.get(action="retry")
    assert entry.outcome == "partial"
    assert entry.affected == 2 and entry.skipped == 1


def test_retry_all_runs_in_batches_off_the_request(
    operator_client: Client, env: ContractEnv, settings: Any
) -> None:
    settings.QUEUEBOARD = {"BULK_BATCH_SIZE": 1}
    response = queue_action(operator_client, "tasks", "contract", "retry-all")
    assert response.status_code == 202, response.content
    run = wait_for_run(operator_client, response.json()["run"]["id"])
    assert run["status"] == "finished"
    assert run["done"] == len(env.ids[JobState.FAILED])
    assert run["batches"] >= 2
    assert all(row(i).status == "READY" for i in env.ids[JobState.FAILED])
    (entry,) = AuditEntry.objects.filter(action="retry-all")  # one entry per run
    assert (entry.outcome, entry.affected) == ("ok", len(env.ids[JobState.FAILED]))


def test_clean_completed_respects_grace_and_limit(
    operator_client: Client, env: ContractEnv
) -> None:
    from django_tasks_db.models import DBTaskResult

    completed = env.ids[JobState.COMPLETED]
    DBTaskResult.objects.filter(pk=completed[0]).update(
        finished_at=timezone.now() - timedelta(hours=3)
    )
    young = queue_action(
        operator_client, "tasks", "contract", "clean", state="completed", grace="1h"
    )
    run = wait_for_run(operator_client, young.json()["run"]["id"])
    assert run["done"] == 1
    assert not DBTaskResult.objects.filter(pk=completed[0]).exists()
    limited = queue_action(
        operator_client, "tasks", "contract", "clean", state="completed", limit=1
    )
    assert wait_for_run(operator_client, limited.json()["run"]["id"])["done"] == 1
    assert DBTaskResult.objects.filter(pk__in=completed).count() == 1


def test_promote_all_and_empty(operator_client: Client, env: ContractEnv) -> None:
    promoted = queue_action(operator_client, "tasks", "contract", "promote-all")
    assert wait_for_run(operator_client, promoted.json()["run"]["id"])["done"] == 2
    emptied = queue_action(operator_client, "tasks", "contract", "empty")
    run = wait_for_run(operator_client, emptied.json()["run"]["id"])
    assert run["done"] == len(env.ids[JobState.WAITING]) + 2
    counts = operator_client.get(reverse("queues:api-queues")).json()["queues"][0]["counts"]
    assert counts["waiting"] == 0 and counts["delayed"] == 0


def test_pause_is_not_offered_by_django_tasks(operator_client: Client, env: ContractEnv) -> None:
    response = queue_action(operator_client, "tasks", "contract", "pause")
    assert response.status_code == 403
    assert "cannot pause" in response.json()["error"]["message"]
    page = operator_client.get(reverse("queues:queue", args=["tasks", "contract"])).content
    assert b">Pause<" not in page


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("clean", {"grace": "soon"}, "grace must be an age"),
        ("clean", {"grace": "-1h"}, "grace must be an age"),
        ("clean", {"limit": "many"}, "limit must be a whole number"),
        ("clean", {"state": "active"}, "takes a state among"),
        ("retry-all", {"state": "bogus"}, "Unknown state"),
        ("retry-all", {"state": "completed"}, "cannot retry completed jobs"),
    ],
)
def test_malformed_parameters_are_400(
    operator_client: Client, env: ContractEnv, action: str, data: dict[str, str], message: str
) -> None:
    response = queue_action(operator_client, "tasks", "contract", action, **data)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_get_and_missing_csrf_are_refused(operator: Any, env: ContractEnv) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    job_id = env.ids[JobState.FAILED][0]
    url = reverse("queues:api-job-action", args=["tasks", "contract", job_id, "retry"])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    assert row(job_id).status == "FAILED"
    page_url = reverse("queues:job-action", args=["tasks", "contract", job_id, "retry"])
    assert client.get(page_url).status_code == 405
    assert client.post(page_url).status_code == 403
    assert row(job_id).status == "FAILED"


def test_staff_without_permission_sees_no_buttons_and_gets_403(
    staff_client: Client, env: ContractEnv
) -> None:
    job_id = env.ids[JobState.FAILED][0]
    page = staff_client.get(reverse("queues:job", args=["tasks", "contract", job_id])).content
    assert b">Retry<" not in page and b">Remove<" not in page
    queue_page = staff_client.get(reverse("queues:queue", args=["tasks", "contract"])).content
    assert b"Retry all" not in queue_page and b"Retry selected" not in queue_page
    response = job_action(staff_client, "tasks", "contract", job_id, "retry")
    assert response.status_code == 403
    assert "queues.retry_jobs" in response.json()["error"]["message"]
    assert row(job_id).status == "FAILED"
    refused = AuditEntry.objects.get(action="retry")
    assert refused.outcome == "refused"


def test_operator_sees_buttons(operator_client: Client, env: ContractEnv) -> None:
    job_id = env.ids[JobState.FAILED][0]
    page = operator_client.get(reverse("queues:job", args=["tasks", "contract", job_id]))
    body = page.content.decode()
    assert ">Retry</button>" in body and ">Remove</button>" in body
    queue_page = operator_client.get(
        reverse("queues:queue", args=["tasks", "contract"]), {"state": "failed"}
    ).content.decode()
    assert ">Retry all</a>" in queue_page and ">Retry selected</button>" in queue_page


def test_read_only_queue_refuses_actions(
    operator_client: Client, env: ContractEnv, settings: Any
) -> None:
    entry = dict(settings.QUEUEBOARD_BACKENDS["tasks"], READ_ONLY_QUEUES=["contract"])
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "tasks": entry}
    job_id = env.ids[JobState.FAILED][0]
    response = job_action(operator_client, "tasks", "contract", job_id, "retry")
    assert response.status_code == 403
    assert "read-only" in response.json()["error"]["message"]
    assert queue_action(operator_client, "tasks", "contract", "retry-all").status_code == 403


def test_page_action_redirects_with_a_notice(operator_client: Client, env: ContractEnv) -> None:
    job_id = env.ids[JobState.FAILED][0]
    url = reverse("queues:job-action", args=["tasks", "contract", job_id, "retry"])
    response = operator_client.post(url, follow=True)
    assert response.status_code == 200
    assert f"Job {job_id} retried." in response.content.decode()


def test_confirmation_page_says_how_many(operator_client: Client, env: ContractEnv) -> None:
    url = reverse("queues:queue-action", args=["tasks", "contract", "retry-all"])
    body = operator_client.get(url, {"state": "failed"}).content.decode()
    assert f"This will touch <strong>{len(env.ids[JobState.FAILED])}</strong> jobs" in body
    assert ">Retry all</button>" in body
    response = operator_client.post(url, {"state": "failed"})
    assert response.status_code == 302
    run_page = operator_client.get(response["Location"])
    assert run_page.status_code == 200


def test_cancelled_run_stops(operator_client: Client, env: ContractEnv) -> None:
    from asgiref.sync import async_to_sync

    from queues.models import BulkRun

    run = BulkRun.objects.create(action="retry-all", backend="tasks", queue="contract", expected=2)
    cancel = operator_client.post(reverse("queues:api-run-cancel", args=[run.pk]))
    assert cancel.json()["run"]["status"] == "cancelling"
    from queues.actions.bulk import execute

    async_to_sync(execute)(run.pk)
    run.refresh_from_db()
    assert run.status == "cancelled"
    assert run.done == 0


def test_audit_log_page_and_api(operator_client: Client, env: ContractEnv) -> None:
    job_id = env.ids[JobState.FAILED][0]
    job_action(operator_client, "tasks", "contract", job_id, "retry")
    job_action(operator_client, "tasks", "contract", job_id, "retry")
    # The second retry finds the job moved on: a skip, not an error.
    api = operator_client.get(reverse("queues:api-audit"), {"outcome": "skipped"}).json()
    assert api["total"] == 1
    errors = operator_client.get(reverse("queues:api-audit"), {"outcome": "error"}).json()
    assert errors["total"] == 0
    page = operator_client.get(reverse("queues:audit"), {"action": "retry"})
    assert page.status_code == 200
    assert job_id in page.content.decode()
    bad = operator_client.get(reverse("queues:api-audit"), {"outcome": "nope"})
    assert bad.status_code == 400


def test_audit_log_needs_permission(staff_client: Client, env: ContractEnv) -> None:
    assert staff_client.get(reverse("queues:audit")).status_code == 403
    assert staff_client.get(reverse("queues:api-audit")).status_code == 403
