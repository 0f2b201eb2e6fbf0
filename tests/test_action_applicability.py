"""Which action applies in which state: each backend's table, its reasons, and everything that
reads it (job page, live job buttons, selection bar, queue actions, API, the backend itself)."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from queues.actions.permissions import RERUN_COMPLETED_ACTION
from queues.backends.actions import JobAction, QueueAction
from queues.backends.applicability import DEFAULT_TABLE, ActionTable, all_but, either, only
from queues.live import render
from queues.states import JobState
from tests.contract import ContractEnv

pytestmark = pytest.mark.django_db(transaction=True)

#: What each backend is expected to declare, written out (a change to a table shows here).
EXPECTED: dict[str, dict[JobAction, set[JobState] | None]] = {
    "bullmq": {
        JobAction.RETRY: {JobState.FAILED, JobState.COMPLETED},
        JobAction.PROMOTE: {JobState.DELAYED},
        JobAction.REMOVE: None,  # every state of the backend but active
        JobAction.CANCEL: set(),
        JobAction.STOP: set(),
    },
    "tasks": {
        JobAction.RETRY: {JobState.FAILED},
        JobAction.PROMOTE: {JobState.DELAYED},
        JobAction.REMOVE: {JobState.WAITING, JobState.DELAYED, JobState.COMPLETED, JobState.FAILED},
        JobAction.CANCEL: set(),
        JobAction.STOP: set(),
    },
}
#: Every job action a user could be allowed, and the re-run of completed jobs.
EVERYTHING = frozenset({*(a.value for a in JobAction), RERUN_COMPLETED_ACTION})


@pytest.fixture(params=["bullmq", "tasks"])
def declared(request: pytest.FixtureRequest) -> tuple[str, Any]:
    return request.param, request.getfixturevalue(f"{request.param}_backend")


@pytest.fixture(params=["bullmq", "tasks", "rq"])
def env(request: pytest.FixtureRequest) -> ContractEnv:
    return request.getfixturevalue(f"{request.param}_contract_env")


@pytest.fixture
def operator_client(client: Client, staff_user: Any) -> Client:
    """A user with every permission of the board (cancel and stop jobs too)."""
    from django.contrib.auth.models import Permission

    staff_user.user_permissions.add(*Permission.objects.filter(content_type__app_label="queues"))
    client.force_login(type(staff_user).objects.get(pk=staff_user.pk))
    return client


# -- the table -----------------------------------------------------------------------------------


def test_each_backend_declares_its_table(declared: tuple[str, Any]) -> None:
    name, backend = declared
    for action, states in EXPECTED[name].items():
        if states is None:
            states = set(backend.states) - {JobState.ACTIVE}
        for state in backend.states:
            applies = state in states
            assert backend.action_applies(action, state) is applies, (action, state)
            reason = backend.why_not(action, state)
            assert (reason is None) is applies, (action, state, reason)
            if not applies:
                assert str(reason).strip(), (action, state)


def test_reasons_name_the_states_it_applies_to() -> None:
    states = (JobState.WAITING, JobState.DELAYED, JobState.FAILED, JobState.COMPLETED)
    table = DEFAULT_TABLE.with_jobs(retry=only(JobState.FAILED, JobState.COMPLETED))
    assert str(table.why_not(JobAction.RETRY, JobState.WAITING, states)) == (
        "Only failed or completed jobs can be retried; this job is waiting."
    )
    assert str(table.why_not(JobAction.PROMOTE, JobState.FAILED, states)) == (
        "Only delayed jobs can be promoted; this job is failed."
    )
    assert str(table.why_not(JobAction.REMOVE, JobState.ACTIVE, states)) == (
        "This job is running; a running job cannot be removed."
    )
    assert table.why_not(JobAction.REMOVE, JobState.FAILED, states) is None
    empty = ActionTable(jobs={JobAction.STOP: all_but(*JobState)})
    assert str(empty.why_not(JobAction.STOP, JobState.ACTIVE, states)) == (
        "This action does not apply to active jobs."
    )
    assert str(either(["a", "b", "c"])) == "a, b or c"


def test_reasons_are_shown_in_the_viewers_language(declared: tuple[str, Any]) -> None:
    """Lazy: turned into text where shown (a page in the viewer's language, the API in English)."""
    from django.utils.functional import Promise

    _name, backend = declared
    assert isinstance(backend.why_not(JobAction.PROMOTE, JobState.FAILED), Promise)
    assert isinstance(backend.why_not(JobAction.REMOVE, JobState.ACTIVE), Promise)


def test_tables_agree_with_capability_flags(env: ContractEnv) -> None:
    backend = env.backend
    for action in JobAction:
        if not backend.supports(action):
            assert backend.job_actions_for(JobState.FAILED).count(action) == 0
            assert "does not offer" in str(backend.why_not(action, JobState.FAILED))
    if JobState.COMPLETED in backend.states:
        rerun = backend.action_applies(JobAction.RETRY, JobState.COMPLETED)
        assert rerun is bool(backend.supports_retry_completed)
    for action in QueueAction:
        assert set(backend.queue_action_states(action)) <= set(backend.states)
    for state in backend.queue_action_states(QueueAction.RETRY_ALL):
        assert backend.action_applies(JobAction.RETRY, state), state
    assert JobState.ACTIVE not in backend.queue_action_states(QueueAction.CLEAN)


# -- the backend does what its table says --------------------------------------------------------


def test_backend_acts_exactly_where_its_table_says(env: ContractEnv) -> None:
    """Each supported action on a job of each seeded state: done where the table says it
    applies, skipped with the job's state where it does not."""
    backend, queue = env.backend, env.queue
    for state, ids in seeded(env):
        applicable = [a for a in JobAction if backend.action_applies(a, state)]
        refused = [a for a in JobAction if backend.supports(a) and a not in applicable]
        for action in refused:  # these leave the job where it is
            outcome = asyncio.run(backend.act_on_jobs(queue, action, [ids[0]]))
            assert outcome.done == 0, (action, state)
            assert [skip.state for skip in outcome.skipped] == [state], (action, state)
        # The actions that apply, each on a job of its own (as many as the fixture has).
        for action, job_id in zip(applicable, reversed(ids), strict=False):
            outcome = asyncio.run(backend.act_on_jobs(queue, action, [job_id]))
            assert (outcome.done, outcome.skipped) == (1, []), (action, state, outcome)


# -- everything that shows buttons reads the table -----------------------------------------------


def _posted_actions(html: str, job_id: str) -> list[str]:
    """The job actions the page's forms post to, in order."""
    return re.findall(rf'action="[^"]*/job/{re.escape(job_id)}/([a-z-]+)"', html)


def test_live_job_buttons_follow_the_table(declared: tuple[str, Any]) -> None:
    _name, backend = declared
    for state in backend.states:
        job = SimpleNamespace(backend=backend.alias, queue="q", id="j-1", state=state)
        shown = _posted_actions(render.job_actions(backend, job, EVERYTHING), "j-1")
        assert shown == [a.value for a in _button_order(backend.job_actions_for(state))], state
        without_rerun = render.job_actions(backend, job, EVERYTHING - {RERUN_COMPLETED_ACTION})
        expected = [
            a.value
            for a in _button_order(backend.job_actions_for(state))
            if not (a == JobAction.RETRY and state == JobState.COMPLETED)
        ]
        assert _posted_actions(without_rerun, "j-1") == expected, state
        assert _posted_actions(render.job_actions(backend, job, set()), "j-1") == []


def _button_order(actions: list[JobAction]) -> list[JobAction]:
    """Remove comes last, after the job-change buttons."""
    return [a for a in actions if a != JobAction.REMOVE] + [
        a for a in actions if a == JobAction.REMOVE
    ]


def test_job_page_buttons_follow_the_table(operator_client: Client, env: ContractEnv) -> None:
    backend = env.backend
    for state, ids in seeded(env):
        url = reverse("queues:job", args=[backend.alias, env.queue, ids[0]])
        html = operator_client.get(url).content.decode()
        expected = [a.value for a in _button_order(backend.job_actions_for(state))]
        assert _posted_actions(html, ids[0]) == expected, state
        api = operator_client.get(
            reverse("queues:api-job", args=[backend.alias, env.queue, ids[0]])
        )
        job = api.json()["job"]
        assert job["actions"] == [a.value for a in backend.job_actions_for(state)]
        refused = [a for a in JobAction if backend.supports(a) and a.value not in job["actions"]]
        assert job["not_applicable"] == {a.value: str(backend.why_not(a, state)) for a in refused}


def test_selection_buttons_follow_the_table(operator_client: Client, env: ContractEnv) -> None:
    backend = env.backend
    for state, _ids in seeded(env):
        url = reverse("queues:queue", args=[backend.alias, env.queue]) + f"?state={state.value}"
        html = operator_client.get(url).content.decode()
        shown = re.findall(r'formaction="[^"]*/jobs/([a-z-]+)"', html)
        assert shown == [a.value for a in backend.job_actions_for(state)], state


def test_queue_api_lists_the_table(operator_client: Client, env: ContractEnv) -> None:
    backend = env.backend
    body = operator_client.get(reverse("queues:api-queues")).json()
    (entry,) = [
        q for q in body["queues"] if (q["backend"], q["name"]) == (backend.alias, env.queue)
    ]
    actions = entry["actions"]
    for action in JobAction:
        if backend.supports(action):
            states = [s.value for s in backend.states if backend.action_applies(action, s)]
            assert actions["jobs"][action.value] == states
        else:
            assert action.value not in actions["jobs"]
    cleaned = [s.value for s in backend.queue_action_states(QueueAction.CLEAN)]
    assert actions["queues"].get("clean", []) == (cleaned if backend.supports_clean else [])


def test_api_refuses_an_action_that_does_not_apply(
    operator_client: Client, env: ContractEnv
) -> None:
    backend = env.backend
    waiting = env.ids[JobState.WAITING][0]
    assert not backend.action_applies(JobAction.PROMOTE, JobState.WAITING)
    url = reverse("queues:api-job-action", args=[backend.alias, env.queue, waiting, "promote"])
    response = operator_client.post(url)
    assert response.status_code in (403, 409), response.content
    assert response.json()["error"]["message"]


def seeded(env: ContractEnv) -> list[tuple[JobState, list[str]]]:
    """The fixture's states that hold jobs."""
    return [(state, ids) for state, ids in env.ids.items() if ids]
