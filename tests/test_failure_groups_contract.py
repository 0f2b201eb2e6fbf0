"""The failure groups' part of the backend contract: ``failed_rows`` of every backend with
``supports_failure_groups`` (each backend's contract queue, as ``test_backend_contract``)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from queues.backends.errors import QueueNotFound
from queues.states import JobState
from tests.contract import ContractEnv
from tests.test_actions_contract import BACKENDS
from tests.test_backend_contract import run

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=[n for n, cls in BACKENDS.items() if cls.supports_failure_groups])
def env(request: pytest.FixtureRequest) -> ContractEnv:
    """The contract queue of each backend that groups failures (none is collected to skip)."""
    return request.getfixturevalue(f"{request.param}_contract_env")


def test_failed_rows_newest_first_with_causes(env: ContractEnv) -> None:
    assert env.backend.supports_failure_groups
    failed = env.ids[JobState.FAILED]
    window = run(env.backend.failed_rows, env.queue, 100)
    assert [row.job_id for row in window.rows] == failed  # the failed tab's order
    assert window.complete
    for row in window.rows:
        assert row.reason and row.failed_at is not None and row.name


def test_failed_rows_bounded(env: ContractEnv) -> None:
    failed = env.ids[JobState.FAILED]
    assert len(failed) >= 2
    window = run(env.backend.failed_rows, env.queue, 1)
    assert [row.job_id for row in window.rows] == failed[:1] and not window.complete


def test_failed_rows_before(env: ContractEnv) -> None:
    window = async_to_sync(env.backend.failed_rows)(env.queue, 100, before_ms=0)
    assert window.rows == [] and window.complete


def test_failed_rows_unknown_queue(env: ContractEnv) -> None:
    with pytest.raises(QueueNotFound):
        run(env.backend.failed_rows, "no-such-queue", 10)
