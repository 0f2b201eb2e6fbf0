"""The queue page's "Open job" box: an id leads to the job's page, an unknown one back to the
queue with a notice (escaped), bad input to a clear 400. Access is the queue page's (the
permission matrix holds the refusals)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from queues.states import JobState
from queues.views.params import FIND_JOB_MAX
from tests.contract import ContractEnv

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["bullmq", "tasks"])
def env(request: pytest.FixtureRequest) -> ContractEnv:
    env: ContractEnv = request.getfixturevalue(f"{request.param}_contract_env")
    return env


def find(client: Any, env: ContractEnv, job_id: str, follow: bool = False) -> Any:
    url = reverse("queues:find-job", args=[env.backend.alias, env.queue])
    return client.get(url, {"id": job_id}, follow=follow)


def test_the_queue_page_has_the_box(staff_client: Any, env: ContractEnv) -> None:
    body = staff_client.get(reverse("queues:queue", args=[env.backend.alias, env.queue]))
    text = body.content.decode()
    action = reverse("queues:find-job", args=[env.backend.alias, env.queue])
    assert f'<form method="get" action="{action}"' in text
    assert 'role="search" aria-label="Open a job of contract by its id"' in text
    assert (
        f'<label>Job id <input name="id" type="search" required maxlength="{FIND_JOB_MAX}"' in text
    )


def test_a_known_id_opens_its_page(staff_client: Any, env: ContractEnv) -> None:
    job_id = env.ids[JobState.FAILED][0]
    response = find(staff_client, env, f"  {job_id} ")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "queues:job", args=[env.backend.alias, env.queue, job_id]
    )
    page = staff_client.get(response["Location"])
    assert page.status_code == 200


@pytest.mark.parametrize(
    "wanted", ["no-such-job", "<script>alert(1)</script>", "é/ü%2F", "x" * 200]
)
def test_an_unknown_id_goes_back_with_a_notice(
    staff_client: Any, env: ContractEnv, wanted: str
) -> None:
    response = find(staff_client, env, wanted)
    assert response.status_code == 302
    assert response["Location"] == reverse("queues:queue", args=[env.backend.alias, env.queue])
    page = staff_client.get(response["Location"]).content.decode()
    shown = wanted if len(wanted) <= 80 else wanted[:79] + "…"
    escaped = shown.replace("<", "&lt;").replace(">", "&gt;")
    assert (
        f'<p class="qb-notice qb-notice-error">No job with id “{escaped}” in contract.</p>' in page
    )
    assert "<script>alert" not in page


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ("", "Type the id of a job to open."),
        ("   ", "Type the id of a job to open."),
        ("x" * (FIND_JOB_MAX + 1), f"A job id has at most {FIND_JOB_MAX} characters."),
    ],
)
def test_bad_input_is_a_clear_400(
    staff_client: Any, env: ContractEnv, wanted: str, message: str
) -> None:
    response = find(staff_client, env, wanted)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_unknown_queue_is_the_same_404_as_its_page(staff_client: Any, env: ContractEnv) -> None:
    """A queue that does not exist is the same 404 as its page, not a redirect to it."""
    alias = env.backend.alias
    queue_page = staff_client.get(reverse("queues:queue", args=[alias, "no-such-queue"]))
    url = reverse("queues:find-job", args=[alias, "no-such-queue"])
    response = staff_client.get(url, {"id": "1"})
    assert (queue_page.status_code, response.status_code) == (404, 404)
    assert "no-such-queue" in response.content.decode()


def test_only_get(staff_client: Any, env: ContractEnv) -> None:
    url = reverse("queues:find-job", args=[env.backend.alias, env.queue])
    assert staff_client.post(url, {"id": "1"}).status_code == 405
