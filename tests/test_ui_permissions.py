"""What the pages offer follows what the reader may do: row checkboxes only with a selection
action, and a read-only badge on read-only queues (overview row and queue page)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant
from tests.contract import ContractEnv

pytestmark = pytest.mark.django_db(transaction=True)

BADGE = re.compile(r'<span class="qb-badge qb-badge-read-only"[^>]*>Read-only</span>')


@pytest.fixture
def operator_client(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, *ALL_ACTION_PERMISSIONS))
    return client


def read_only(settings: Any, **entry: Any) -> None:
    """Make the ``tasks`` backend read-only as ``entry`` says (READ_ONLY or READ_ONLY_QUEUES)."""
    tasks = dict(settings.QUEUEBOARD_BACKENDS["tasks"], **entry)
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "tasks": tasks}


def job_list(client: Client, queue: str, state: str = "failed") -> str:
    url = reverse("queues:queue", args=["tasks", queue])
    response = client.get(url, {"state": state})
    assert response.status_code == 200
    body = response.content.decode()
    match = re.search(r'<section id="job-list"[^>]*>', body)
    assert match, body[:2000]
    return match.group(0)


def overview_row(client: Client, queue: str) -> str:
    body = client.get(reverse("queues:overview")).content.decode()
    match = re.search(rf'<tr class="qb-queue-row" data-queue="{queue}".*?</tr>', body, re.S)
    assert match, body[:2000]
    return match.group(0)


def test_rows_are_selectable_for_a_reader_with_selection_actions(
    operator_client: Client, tasks_contract_env: ContractEnv
) -> None:
    assert "data-selectable" in job_list(operator_client, "contract")


def test_no_checkboxes_for_a_reader_without_action_permissions(
    staff_client: Client, tasks_contract_env: ContractEnv
) -> None:
    section = job_list(staff_client, "contract")
    assert "data-selectable" not in section


def test_no_checkboxes_in_a_state_without_selection_actions(
    client: Client, staff_user: Any, tasks_contract_env: ContractEnv
) -> None:
    """Only retrying is allowed: a list of waiting jobs has nothing to do with a selection."""
    client.force_login(grant(staff_user, "retry_jobs"))
    assert "data-selectable" in job_list(client, "contract", "failed")
    assert "data-selectable" not in job_list(client, "contract", "waiting")


def test_read_only_queue_has_a_badge_and_no_checkboxes(
    operator_client: Client, tasks_contract_env: ContractEnv, settings: Any
) -> None:
    read_only(settings, READ_ONLY_QUEUES=["contract"])
    assert "data-selectable" not in job_list(operator_client, "contract")
    assert BADGE.search(overview_row(operator_client, "contract"))
    page = operator_client.get(reverse("queues:queue", args=["tasks", "contract"])).content
    head = re.search(r'<div class="qb-queue-head">.*?</div>', page.decode(), re.S)
    assert head and BADGE.search(head.group(0)), page.decode()[:3000]


def test_read_only_backend_badges_every_queue(
    staff_client: Client, tasks_contract_env: ContractEnv, settings: Any
) -> None:
    read_only(settings, READ_ONLY=True)
    assert BADGE.search(overview_row(staff_client, "contract"))


def test_writable_queue_has_no_badge(
    operator_client: Client, tasks_contract_env: ContractEnv
) -> None:
    assert not BADGE.search(overview_row(operator_client, "contract"))
    page = operator_client.get(reverse("queues:queue", args=["tasks", "contract"])).content
    assert not BADGE.search(page.decode())
