"""Pages and the read API, run against every backend through its contract fixture."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from queues.states import JobState
from tests.contract import ContractEnv

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["bullmq", "tasks"])
def env(request: pytest.FixtureRequest) -> ContractEnv:
    return request.getfixturevalue(f"{request.param}_contract_env")


def queue_url(env: ContractEnv, **query: Any) -> str:
    url = reverse("queues:queue", args=[env.backend.alias, env.queue])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def job_url(env: ContractEnv, job_id: str, **query: Any) -> str:
    url = reverse("queues:job", args=[env.backend.alias, env.queue, job_id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_overview_lists_queue_with_counts(staff_client: Any, env: ContractEnv) -> None:
    body = staff_client.get(reverse("queues:overview")).content.decode()
    assert queue_url(env) in body
    failed = len(env.ids[JobState.FAILED])
    assert f'aria-label="{failed} failed jobs in contract"' in body


def test_queue_page_shows_tabs_counts_and_failures(staff_client: Any, env: ContractEnv) -> None:
    response = staff_client.get(queue_url(env, state="failed"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'aria-current="page">Failed' in body
    assert "ContractError: boom" in body
    for job_id in env.ids[JobState.FAILED]:
        assert job_url(env, job_id) in body


def test_job_list_escapes_hostile_data(staff_client: Any, env: ContractEnv) -> None:
    body = staff_client.get(queue_url(env, state="waiting", per_page=50)).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_pagination(staff_client: Any, env: ContractEnv) -> None:
    waiting = env.ids[JobState.WAITING]
    body = staff_client.get(queue_url(env, state="waiting", per_page=1, page=2)).content.decode()
    assert job_url(env, waiting[1]) in body
    assert job_url(env, waiting[0]) not in body
    assert f"Page 2 of {len(waiting)}" in body
    beyond = staff_client.get(queue_url(env, state="waiting", page=99)).content.decode()
    assert "No waiting jobs on page 99" in beyond


@pytest.mark.parametrize("target", ["section#job-list", "job-list"])  # htmx 4, htmx 2
def test_htmx_tab_request_gets_only_the_job_list(
    staff_client: Any, env: ContractEnv, target: str
) -> None:
    response = staff_client.get(
        queue_url(env, state="completed"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="job-list"')
    assert "<html" not in body


def test_htmx_swaps_need_no_host_middleware(
    staff_client: Any, env: ContractEnv, settings: Any
) -> None:
    """A host site without django-htmx's middleware still gets fragments, not whole pages."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "django_htmx" not in m]
    response = staff_client.get(
        queue_url(env, state="completed"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="section#job-list"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="job-list"')
    assert "qb-header" not in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"state": "nonsense"}, "Unknown state"),
        ({"page": "x"}, "page must be a whole number"),
        ({"page": "0"}, "page must be 1 or more"),
        ({"per_page": "100000"}, "per_page must be at most"),
    ],
)
def test_bad_parameters_are_400(
    staff_client: Any, env: ContractEnv, query: dict[str, str], message: str
) -> None:
    page = staff_client.get(queue_url(env, **query))
    assert page.status_code == 400
    assert message in page.content.decode()
    api_url = reverse("queues:api-jobs", args=[env.backend.alias, env.queue])
    api = staff_client.get(api_url, query)
    assert api.status_code == 400
    assert message in api.json()["error"]["message"]


def test_unknown_queue_and_job_are_404(staff_client: Any, env: ContractEnv) -> None:
    missing_queue = staff_client.get(reverse("queues:queue", args=[env.backend.alias, "nope"]))
    assert missing_queue.status_code == 404
    assert "There is no queue" in missing_queue.content.decode()
    missing_job = staff_client.get(job_url(env, "no-such-job"))
    assert missing_job.status_code == 404
    assert "was not found" in missing_job.content.decode()
    api = staff_client.get(reverse("queues:api-job", args=[env.backend.alias, env.queue, "nope"]))
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "job_not_found"


def test_failed_job_page_shows_error_tab_with_stack_trace(
    staff_client: Any, env: ContractEnv
) -> None:
    job_id = env.ids[JobState.FAILED][0]
    body = staff_client.get(job_url(env, job_id)).content.decode()
    assert 'aria-current="page">Error' in body
    assert "ContractError: boom" in body
    assert 'class="qb-stacktrace"' in body


def test_job_page_tabs(staff_client: Any, env: ContractEnv) -> None:
    job_id = env.ids[JobState.COMPLETED][0]
    for tab in ("data", "options", "logs", "error", "timeline"):
        response = staff_client.get(job_url(env, job_id, tab=tab))
        assert response.status_code == 200, tab
    timeline = staff_client.get(job_url(env, job_id, tab="timeline")).content.decode()
    assert "Finished" in timeline
    bad = staff_client.get(job_url(env, job_id, tab="nope"))
    assert bad.status_code == 400


def test_download_raw_data_is_an_attachment(staff_client: Any, env: ContractEnv) -> None:
    job_id = env.ids[JobState.WAITING][0]
    url = reverse("queues:job-download", args=[env.backend.alias, env.queue, job_id, "data"])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_api_queues(staff_client: Any, env: ContractEnv) -> None:
    data = staff_client.get(reverse("queues:api-queues")).json()
    entry = next(q for q in data["queues"] if q["backend"] == env.backend.alias)
    assert entry["name"] == env.queue
    assert entry["paused"] is False
    for state, ids in env.ids.items():
        assert entry["counts"][state.value] == len(ids)


def test_api_jobs_and_job(staff_client: Any, env: ContractEnv) -> None:
    url = reverse("queues:api-jobs", args=[env.backend.alias, env.queue])
    data = staff_client.get(url, {"state": "failed", "per_page": 1}).json()
    assert data["total"] == len(env.ids[JobState.FAILED])
    assert [j["id"] for j in data["jobs"]] == env.ids[JobState.FAILED][:1]
    assert data["pages"] == len(env.ids[JobState.FAILED])
    job_id = env.ids[JobState.FAILED][0]
    job = staff_client.get(reverse("queues:api-job", args=[env.backend.alias, env.queue, job_id]))
    detail = job.json()["job"]
    assert detail["id"] == job_id
    assert detail["state"] == "failed"
    assert "ContractError: boom" in detail["failed_reason"]
    assert any("ContractError" in line for line in detail["stacktrace"])


def test_api_keeps_hostile_text_as_data(staff_client: Any, env: ContractEnv) -> None:
    url = reverse("queues:api-jobs", args=[env.backend.alias, env.queue])
    response = staff_client.get(url, {"state": "waiting", "per_page": 50})
    assert response["Content-Type"] == "application/json"
    assert b"<script>" not in response.content  # JsonResponse escapes < > & as \u003c etc.
    previews = " ".join(j["data_preview"] for j in response.json()["jobs"])
    assert "<script>alert(1)</script>" in previews
