"""Access: closed by default (staff only), a settings hook for custom rules, hidden queues."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from queues.states import JobState
from tests.contract import ContractEnv

pytestmark = pytest.mark.django_db(transaction=True)


def test_anonymous_page_redirects_to_login(client: Any) -> None:
    response = client.get(reverse("queues:overview"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?")
    assert "next=/" in response["Location"]


@pytest.mark.parametrize("name", ["queues:api-queues"])
def test_anonymous_api_gets_401_json(client: Any, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_anonymous_job_api_gets_401(client: Any) -> None:
    response = client.get(reverse("queues:api-job", args=["tasks", "default", "x"]))
    assert response.status_code == 401


def test_non_staff_user_is_refused(client: Any, plain_user: Any) -> None:
    client.force_login(plain_user)
    page = client.get(reverse("queues:overview"))
    assert page.status_code == 403
    assert b"may not view this board" in page.content
    api = client.get(reverse("queues:api-queues"))
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "forbidden"


def test_staff_user_sees_the_board(staff_client: Any) -> None:
    assert staff_client.get(reverse("queues:overview")).status_code == 200
    assert staff_client.get(reverse("queues:api-queues")).status_code == 200


def test_custom_rule_admits_a_group_and_hides_a_queue(
    client: Any, plain_user: Any, settings: Any, tasks_contract_env: ContractEnv
) -> None:
    settings.QUEUEBOARD = {"ACCESS": "tests.access_rules.members_of_ops"}
    client.force_login(plain_user)
    assert client.get(reverse("queues:overview")).status_code == 403
    plain_user.groups.add(Group.objects.create(name="ops"))
    assert client.get(reverse("queues:overview")).status_code == 200
    names = [q["name"] for q in client.get(reverse("queues:api-queues")).json()["queues"]]
    assert "contract" in names
    secret = client.get(reverse("queues:queue", args=["tasks", "secret"]))
    assert secret.status_code == 404


def test_hidden_queue_is_invisible_everywhere(
    staff_client: Any, settings: Any, tasks_contract_env: ContractEnv
) -> None:
    backends_setting = dict(settings.QUEUEBOARD_BACKENDS)
    backends_setting["tasks"] = {**backends_setting["tasks"], "HIDDEN_QUEUES": ["contract"]}
    settings.QUEUEBOARD_BACKENDS = backends_setting
    names = [q["name"] for q in staff_client.get(reverse("queues:api-queues")).json()["queues"]]
    assert "contract" not in names
    assert b">contract<" not in staff_client.get(reverse("queues:overview")).content
    page = staff_client.get(reverse("queues:queue", args=["tasks", "contract"]))
    assert page.status_code == 404
    api = staff_client.get(reverse("queues:api-jobs", args=["tasks", "contract"]))
    assert api.status_code == 404
    job_id = tasks_contract_env.ids[JobState.FAILED][0]
    job = staff_client.get(reverse("queues:api-job", args=["tasks", "contract", job_id]))
    assert job.status_code == 404


def test_rule_can_hide_a_whole_backend(
    staff_client: Any, settings: Any, bullmq_contract_env: ContractEnv
) -> None:
    settings.QUEUEBOARD = {"ACCESS": "tests.access_rules.no_bullmq"}
    queues = staff_client.get(reverse("queues:api-queues")).json()["queues"]
    assert all(q["backend"] != "bullmq" for q in queues)
    response = staff_client.get(reverse("queues:queue", args=["bullmq", "contract"]))
    assert response.status_code == 404


def test_unknown_backend_alias_is_404(staff_client: Any) -> None:
    response = staff_client.get(reverse("queues:api-jobs", args=["nope", "q"]))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "queue_not_found"
