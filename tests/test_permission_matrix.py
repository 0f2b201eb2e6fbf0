"""The permission matrix: every page, API endpoint and action, for every kind of visitor, on a
visible, a hidden and a read-only queue. Each cell states the expected outcome; an unauthorised
success (a 2xx/3xx where a refusal is expected) fails the test.

The number of cells is ``len(VISITORS) * len(QUEUE_KINDS) * len(ENDPOINTS)`` (see
``test_matrix_size``), plus the sections below with their own sizes: the audit log, and
re-running completed jobs (``rerun_completed_jobs``); WebSocket routes have their own refusal
tests in the live suite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from queues.states import JobState
from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant
from tests.contract import ContractEnv

pytestmark = pytest.mark.django_db(transaction=True)

VISITORS = ("anonymous", "non_staff", "staff", "viewer", "operator", "superuser")
QUEUE_KINDS = ("visible", "hidden", "read_only")


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: Callable[[dict[JobState, list[str]]], str]
    kind: str  # "page", "api", "page_action", "api_action", "audit_page", "audit_api"
    data: dict[str, Any] | None = None


def _q(name: str, *extra: str) -> Callable[[dict[JobState, list[str]]], str]:
    return lambda ids: reverse(name, args=["tasks", "contract", *extra])


def _job(name: str, state: JobState, *extra: str) -> Callable[[dict[JobState, list[str]]], str]:
    return lambda ids: reverse(name, args=["tasks", "contract", ids[state][0], *extra])


ENDPOINTS = (
    Endpoint("overview", "get", lambda ids: reverse("queues:overview"), "page"),
    Endpoint("queue", "get", _q("queues:queue"), "queue_page"),
    Endpoint("job", "get", _job("queues:job", JobState.FAILED), "queue_page"),
    Endpoint("download", "get", _job("queues:job-download", JobState.FAILED, "data"), "queue_page"),
    Endpoint(
        "find-job",
        "get",
        lambda ids: (
            reverse("queues:find-job", args=["tasks", "contract"])
            + f"?id={ids[JobState.FAILED][0]}"
        ),
        "queue_page",
    ),
    Endpoint("confirm", "get", _q("queues:queue-action", "retry-all"), "page_action"),
    Endpoint("audit", "get", lambda ids: reverse("queues:audit"), "audit_page"),
    Endpoint("api-queues", "get", lambda ids: reverse("queues:api-queues"), "api"),
    Endpoint("api-jobs", "get", _q("queues:api-jobs"), "queue_api"),
    Endpoint("api-job", "get", _job("queues:api-job", JobState.FAILED), "queue_api"),
    Endpoint("api-workers", "get", _q("queues:api-workers"), "queue_api"),
    Endpoint("api-audit", "get", lambda ids: reverse("queues:api-audit"), "audit_api"),
    Endpoint(
        "api-retry", "post", _job("queues:api-job-action", JobState.FAILED, "retry"), "api_action"
    ),
    Endpoint(
        "api-promote",
        "post",
        _job("queues:api-job-action", JobState.DELAYED, "promote"),
        "api_action",
    ),
    Endpoint(
        "api-remove",
        "post",
        _job("queues:api-job-action", JobState.COMPLETED, "remove"),
        "api_action",
    ),
    Endpoint(
        "api-selection",
        "post",
        lambda ids: reverse("queues:api-selection", args=["tasks", "contract", "retry"]),
        "api_action",
        {"ids": "second-failed"},
    ),
    Endpoint(
        "api-clean", "post", _q("queues:api-queue-action", "clean"), "api_action", {"grace": "1d"}
    ),
    Endpoint(
        "api-empty", "post", _q("queues:api-queue-action", "empty"), "api_action", {"limit": "1"}
    ),
    Endpoint(
        "api-retry-all",
        "post",
        _q("queues:api-queue-action", "retry-all"),
        "api_action",
        {"limit": "1"},
    ),
    Endpoint(
        "api-promote-all",
        "post",
        _q("queues:api-queue-action", "promote-all"),
        "api_action",
        {"limit": "1"},
    ),
    Endpoint(
        "page-remove-completed",
        "post",
        lambda ids: reverse(
            "queues:job-action", args=["tasks", "contract", ids[JobState.COMPLETED][1], "remove"]
        ),
        "page_action",
    ),
    Endpoint(
        "page-remove-last-completed",
        "post",
        # Not a waiting job: "api-empty" may have removed any of those.
        lambda ids: reverse(
            "queues:job-action", args=["tasks", "contract", ids[JobState.COMPLETED][2], "remove"]
        ),
        "page_action",
    ),
)

SUCCESS = range(200, 400)


def expected(visitor: str, queue_kind: str, endpoint: Endpoint) -> set[int] | range:
    api = endpoint.kind.startswith(("api", "queue_api", "audit_api"))
    if visitor == "anonymous":
        return {401} if api else {302}
    if visitor == "non_staff":
        return {403}
    queue_scoped = endpoint.kind in ("queue_page", "queue_api", "page_action", "api_action")
    if queue_kind == "hidden" and queue_scoped:
        return {404}
    if endpoint.kind in ("audit_page", "audit_api"):
        return SUCCESS if visitor in ("viewer", "operator", "superuser") else {403}
    if endpoint.kind in ("page_action", "api_action"):
        if visitor in ("operator", "superuser") and queue_kind != "read_only":
            return SUCCESS
        return {403}
    return SUCCESS


def test_matrix_size() -> None:
    assert len(VISITORS) * len(QUEUE_KINDS) * len(ENDPOINTS) == 396


def make_client(visitor: str, django_user_model: Any) -> Client:
    client = Client()
    if visitor == "anonymous":
        return client
    user = django_user_model.objects.create_user(
        visitor, password="pw", is_staff=visitor != "non_staff", is_superuser=visitor == "superuser"
    )
    if visitor == "viewer":
        user = grant(user, "view_auditentry")
    if visitor == "operator":
        user = grant(user, *ALL_ACTION_PERMISSIONS)
    client.force_login(user)
    return client


@pytest.mark.parametrize("queue_kind", QUEUE_KINDS)
@pytest.mark.parametrize("visitor", VISITORS)
def test_permission_matrix(
    visitor: str,
    queue_kind: str,
    tasks_contract_env: ContractEnv,
    settings: Any,
    django_user_model: Any,
) -> None:
    entry = dict(settings.QUEUEBOARD_BACKENDS["tasks"])
    if queue_kind == "hidden":
        entry["HIDDEN_QUEUES"] = ["contract"]
    if queue_kind == "read_only":
        entry["READ_ONLY_QUEUES"] = ["contract"]
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "tasks": entry}
    client = make_client(visitor, django_user_model)
    ids = tasks_contract_env.ids
    unauthorised_successes = []
    mismatches = []
    for endpoint in ENDPOINTS:
        url = endpoint.url(ids)
        if endpoint.method == "get":
            response = client.get(url)
        else:
            data = dict(endpoint.data or {})
            if data.get("ids") == "second-failed":
                data["ids"] = [ids[JobState.FAILED][1]]
            response = client.post(url, data, content_type="application/json")
        allowed = expected(visitor, queue_kind, endpoint)
        if response.status_code not in allowed:
            mismatches.append((endpoint.name, response.status_code, allowed))
            if response.status_code in SUCCESS and allowed is not SUCCESS:
                unauthorised_successes.append(endpoint.name)
    assert unauthorised_successes == []
    assert mismatches == []


# -- the audit log under hidden queues and ACCESS rules (F10.8) ----------------------------------
# One audit entry about a queue; whether each visitor sees it (its job id; in the admin, its
# link) on the audit page, in the audit API and in Django's admin, when that queue is visible,
# hidden, forbidden by the ACCESS rule, gone (no longer exists: still shown) or of a backend no
# longer configured.

AUDIT_QUEUE_KINDS = ("visible", "hidden", "forbidden", "gone", "retired")
AUDIT_VIEWS = {
    "audit": lambda: reverse("queues:audit"),
    "api-audit": lambda: reverse("queues:api-audit"),
    "admin-audit": lambda: reverse("admin:queues_auditentry_changelist"),
}
AUDIT_READERS = ("viewer", "operator", "superuser")


def not_contract(user: Any, backend: str | None, queue: str | None) -> bool:
    """An ACCESS rule: staff see everything but the queue "contract"."""
    return bool(user.is_staff) and queue != "contract"


def audit_expected(visitor: str, queue_kind: str, view: str) -> tuple[set[int], bool]:
    """(the statuses allowed, whether the entry is seen)."""
    if visitor not in AUDIT_READERS:
        if view == "admin-audit":
            return ({302} if visitor in ("anonymous", "non_staff") else {403}), False
        return ({401} if visitor == "anonymous" and view == "api-audit" else
                {302} if visitor == "anonymous" else {403}), False  # fmt: skip
    return {200}, queue_kind in ("visible", "gone")


def test_audit_matrix_size() -> None:
    assert len(VISITORS) * len(AUDIT_QUEUE_KINDS) * len(AUDIT_VIEWS) == 90


@pytest.mark.parametrize("queue_kind", AUDIT_QUEUE_KINDS)
@pytest.mark.parametrize("visitor", VISITORS)
def test_audit_log_matrix(
    visitor: str, queue_kind: str, settings: Any, django_user_model: Any
) -> None:
    from queues.models import AuditEntry

    backend = "retired" if queue_kind == "retired" else "tasks"
    queue = "no-longer-there" if queue_kind == "gone" else "contract"
    entry_pk = AuditEntry.objects.create(
        action="retry", backend=backend, queue=queue, job_ids=["job-in-question"], outcome="ok"
    ).pk
    if queue_kind == "hidden":
        entry = dict(settings.QUEUEBOARD_BACKENDS["tasks"], HIDDEN_QUEUES=["contract"])
        settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "tasks": entry}
    if queue_kind == "forbidden":
        settings.QUEUEBOARD = {"ACCESS": "tests.test_permission_matrix.not_contract"}
    client = make_client(visitor, django_user_model)
    mismatches = []
    for view, url in AUDIT_VIEWS.items():
        response = client.get(url())
        statuses, seen = audit_expected(visitor, queue_kind, view)
        marker = f"/{entry_pk}/change/" if view == "admin-audit" else "job-in-question"
        shown = marker in response.content.decode()
        if response.status_code not in statuses or shown != seen:
            mismatches.append((view, response.status_code, shown))
    assert mismatches == []


# -- re-running completed jobs: its own permission -----------------------------------------------
# On a BullMQ queue with failed and completed jobs: retrying a failed job (one, or all) needs
# ``retry_jobs``; re-running a completed one (one, by the page or the API, or all of them, and
# their confirmation) needs ``rerun_completed_jobs`` besides.

RERUN_VISITORS = ("staff", "retrier", "rerunner", "operator", "superuser")
RERUN_GRANTS = {
    "retrier": ("retry_jobs",),
    "rerunner": ("retry_jobs", "rerun_completed_jobs"),
    "operator": ALL_ACTION_PERMISSIONS,
}


def _bull(name: str, state: JobState, n: int, *extra: str) -> Callable[[Any], str]:
    return lambda ids: reverse(name, args=["bullmq", "contract", ids[state][n], *extra])


def _bull_queue(action: str) -> Callable[[Any], str]:
    return lambda ids: reverse("queues:api-queue-action", args=["bullmq", "contract", action])


RERUN_ENDPOINTS = (
    Endpoint("api-retry-failed", "post", _bull("queues:api-job-action", JobState.FAILED, 0,
             "retry"), "retry"),
    Endpoint("api-retry-completed", "post", _bull("queues:api-job-action", JobState.COMPLETED, 0,
             "retry"), "rerun"),
    Endpoint("page-retry-completed", "post", _bull("queues:job-action", JobState.COMPLETED, 1,
             "retry"), "rerun"),
    Endpoint("confirm-rerun-all", "get", lambda ids: reverse(
        "queues:queue-action", args=["bullmq", "contract", "retry-all"]) + "?state=completed",
             "rerun"),
    Endpoint("api-rerun-all", "post", _bull_queue("retry-all"), "rerun",
             {"state": "completed", "limit": 1}),
    Endpoint("api-retry-all-failed", "post", _bull_queue("retry-all"), "retry",
             {"state": "failed", "limit": 1}),
)  # fmt: skip


def rerun_expected(visitor: str, endpoint: Endpoint) -> set[int] | range:
    if visitor == "staff":
        return {403}
    if endpoint.kind == "retry" or visitor != "retrier":
        return SUCCESS
    return {403}


def test_rerun_matrix_size() -> None:
    assert len(RERUN_VISITORS) * len(RERUN_ENDPOINTS) == 30


@pytest.mark.parametrize("visitor", RERUN_VISITORS)
def test_rerun_permission_matrix(
    visitor: str, bullmq_contract_env: ContractEnv, django_user_model: Any
) -> None:
    from tests.actions_helpers import wait_for_run

    user = django_user_model.objects.create_user(
        visitor, password="pw", is_staff=True, is_superuser=visitor == "superuser"
    )
    if visitor in RERUN_GRANTS:
        user = grant(user, *RERUN_GRANTS[visitor])
    client = Client()
    client.force_login(user)
    mismatches, runs = [], []
    for endpoint in RERUN_ENDPOINTS:
        url = endpoint.url(bullmq_contract_env.ids)
        if endpoint.method == "get":
            response = client.get(url)
        else:
            response = client.post(url, endpoint.data or {}, content_type="application/json")
        if response.status_code == 202:
            runs.append(response.json()["run"]["id"])
        if response.status_code not in rerun_expected(visitor, endpoint):
            mismatches.append((endpoint.name, response.status_code))
    for run_id in runs:
        assert wait_for_run(client, run_id)["status"] == "finished"
    assert mismatches == []
