"""One actions contract every backend meets, on its ``*_contract_env`` queue (4 waiting, 2
delayed, 3 completed, 2 failed; ``tests/contract.py``): each action it offers works once and is
then skipped with the job's state or as missing, bulk steps finish with the right totals, and a
capability it does not offer is refused with a reason."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser

from queues.actions.permissions import refusal
from queues.backends.actions import (
    CAPABILITY_FOR,
    ActionOutcome,
    JobAction,
    QueueAction,
    QueueActionParams,
)
from queues.backends.bullmq import BullMQBackend
from queues.backends.celery import CeleryBackend
from queues.backends.django_tasks import DjangoTasksBackend
from queues.backends.errors import JobNotFound
from queues.backends.rq import RQBackend
from queues.states import JobState
from tests.contract import ContractEnv

pytestmark = pytest.mark.django_db(transaction=True)


#: The backends under contract, by the prefix of their ``*_contract_env`` fixture.
BACKENDS = {
    "bullmq": BullMQBackend,
    "tasks": DjangoTasksBackend,
    "rq": RQBackend,
    "celery": CeleryBackend,
}


@pytest.fixture(params=list(BACKENDS))
def env(request: pytest.FixtureRequest) -> ContractEnv:
    return request.getfixturevalue(f"{request.param}_contract_env")


def offering(action: JobAction | QueueAction) -> pytest.MarkDecorator:
    """Run the test on the backends whose class offers ``action`` (the test then checks that
    the configured backend says so too), so that none is collected only to be skipped."""
    flag = f"supports_{CAPABILITY_FOR[action]}"
    names = [name for name, cls in BACKENDS.items() if getattr(cls, flag, False)]
    return pytest.mark.parametrize("env", names, indirect=True)


def act(env: ContractEnv, action: JobAction, ids: list[str]) -> ActionOutcome:
    return async_to_sync(env.backend.act_on_jobs)(env.queue, action, ids)


def bulk(env: ContractEnv, action: QueueAction, batch: int = 1, **params: Any) -> int:
    """Every step of ``action`` until it finishes; the jobs done in all."""
    chosen = QueueActionParams(**params)
    done = 0
    for _ in range(100):
        outcome = async_to_sync(env.backend.queue_step)(env.queue, action, chosen, batch)
        done += outcome.done
        if outcome.finished:
            return done
    raise AssertionError(f"{action} never finished")


def needs(env: ContractEnv, action: JobAction | QueueAction) -> None:
    assert env.backend.supports(action), f"{env.backend.label} does not offer {action}"


@offering(JobAction.RETRY)
def test_retry_once_then_skipped_with_the_new_state(env: ContractEnv) -> None:
    needs(env, JobAction.RETRY)
    job_id = env.ids[JobState.FAILED][0]
    assert act(env, JobAction.RETRY, [job_id]).done_ids == [job_id]
    again = act(env, JobAction.RETRY, [job_id])
    (skip,) = again.skipped
    assert not again.done and skip.state not in (None, JobState.FAILED) and str(skip.reason)


@offering(JobAction.RETRY)
def test_retry_skips_a_waiting_job(env: ContractEnv) -> None:
    needs(env, JobAction.RETRY)
    job_id = env.ids[JobState.WAITING][0]
    (skip,) = act(env, JobAction.RETRY, [job_id]).skipped
    assert skip.state == JobState.WAITING


@offering(JobAction.PROMOTE)
def test_promote_once_then_skipped(env: ContractEnv) -> None:
    needs(env, JobAction.PROMOTE)
    job_id = env.ids[JobState.DELAYED][0]
    assert act(env, JobAction.PROMOTE, [job_id]).done_ids == [job_id]
    (skip,) = act(env, JobAction.PROMOTE, [job_id]).skipped
    assert skip.state == JobState.WAITING


@offering(JobAction.REMOVE)
def test_remove_once_then_missing(env: ContractEnv) -> None:
    needs(env, JobAction.REMOVE)
    job_id = env.ids[JobState.COMPLETED][0]
    assert act(env, JobAction.REMOVE, [job_id]).done_ids == [job_id]
    with pytest.raises(JobNotFound):
        async_to_sync(env.backend.get_job)(env.queue, job_id)
    (skip,) = act(env, JobAction.REMOVE, [job_id]).skipped
    assert skip.missing


@offering(JobAction.CANCEL)
def test_cancel_once_then_skipped(env: ContractEnv) -> None:
    needs(env, JobAction.CANCEL)
    job_id = env.ids[JobState.WAITING][0]
    assert act(env, JobAction.CANCEL, [job_id]).done_ids == [job_id]
    (skip,) = act(env, JobAction.CANCEL, [job_id]).skipped
    assert skip.state == JobState.CANCELED


def test_a_missing_job_is_skipped_as_missing(env: ContractEnv) -> None:
    for action in JobAction:
        if env.backend.supports(action):
            outcome = act(env, action, ["no-such-job"])
            assert not outcome.done and (outcome.skipped + outcome.failed)[0].missing, action


@offering(QueueAction.RETRY_ALL)
def test_retry_all_counts_and_steps(env: ContractEnv) -> None:
    needs(env, QueueAction.RETRY_ALL)
    params = {"state": JobState.FAILED}
    count = async_to_sync(env.backend.count_for)(
        env.queue, QueueAction.RETRY_ALL, QueueActionParams(**params)
    )
    assert count == 2
    assert bulk(env, QueueAction.RETRY_ALL, **params) == 2


def test_promote_all_empty_and_clean_take_every_job_of_their_state(env: ContractEnv) -> None:
    if env.backend.supports(QueueAction.PROMOTE_ALL):
        assert bulk(env, QueueAction.PROMOTE_ALL, state=JobState.DELAYED) == 2
    if env.backend.supports(QueueAction.EMPTY):
        assert bulk(env, QueueAction.EMPTY, state=JobState.WAITING) >= 4
    if env.backend.supports(QueueAction.CLEAN):
        assert bulk(env, QueueAction.CLEAN, state=JobState.COMPLETED) == 3


def test_an_action_not_offered_is_refused_with_a_reason(env: ContractEnv) -> None:
    for action in [*JobAction, *QueueAction]:
        reason = refusal(AnonymousUser(), env.backend, env.queue, action)
        if not env.backend.supports(action):
            assert reason and env.backend.label in str(reason), action


def test_the_table_names_only_offered_actions(env: ContractEnv) -> None:
    for state in env.backend.states:
        for action in env.backend.job_actions_for(state):
            assert env.backend.supports(action), (state, action)
