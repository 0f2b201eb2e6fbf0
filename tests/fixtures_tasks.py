"""Django Tasks fixtures: the django-tasks-db backend, its real worker, and a seeded queue."""

from __future__ import annotations

import io
import signal
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from queues.states import JobState
from tests.contract import ContractEnv

TASKS_BACKEND = "django_tasks_db.DatabaseBackend"
_SIGNALS = [
    signal.SIGINT,
    signal.SIGTERM,
    *([signal.SIGQUIT] if hasattr(signal, "SIGQUIT") else []),
]


def run_worker(queue: str = "*", worker_id: str = "worker-1", max_tasks: int | None = None) -> None:
    """Run django-tasks-db's ``db_worker`` until no task of ``queue`` is ready (or ``max_tasks``).

    The command installs its own signal handlers; ours are restored afterwards.
    """
    saved = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    args = ["--batch", "--no-reload", "--no-startup-delay", "--interval=0"]
    args += [f"--queue-name={queue}", f"--worker-id={worker_id}"]
    if max_tasks is not None:
        args.append(f"--max-tasks={max_tasks}")
    try:
        call_command("db_worker", *args, verbosity=0, stdout=io.StringIO())
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@pytest.fixture
def tasks_settings(settings: Any, transactional_db: None) -> dict[str, Any]:
    """TASKS "default" on django-tasks-db, accepting any queue name (``QUEUES: []``)."""
    entry = {"BACKEND": TASKS_BACKEND, "QUEUES": []}
    settings.TASKS = {"default": entry}
    return entry


@pytest.fixture
def tasks_backend(tasks_settings: dict[str, Any]) -> Any:
    from queues.backends import backends

    return backends["tasks"]


def seed_contract_queue(queue: str = "contract") -> dict[JobState, list[str]]:
    """Seed ``queue`` through the framework and its worker; ids per state in natural order."""
    from tests import sample_tasks

    def on(task: Any, **using: Any) -> Any:
        return task.using(queue_name=queue, **using)

    finished = [
        on(sample_tasks.add).enqueue(1, 2),
        on(sample_tasks.fail).enqueue(),
        on(sample_tasks.echo).enqueue("x", n=1),
        on(sample_tasks.fail).enqueue("boom"),
        on(sample_tasks.add).enqueue(40, 2),
    ]
    run_worker(queue, worker_id="contract-worker")
    now = timezone.now()
    delayed = [
        on(sample_tasks.add, run_after=now + timedelta(hours=hours)).enqueue(hours, 0)
        for hours in (1, 2)
    ]
    waiting = [
        on(sample_tasks.add).enqueue(1, 1),
        on(sample_tasks.echo).enqueue(note="<script>alert(1)</script>"),
        on(sample_tasks.add, priority=10).enqueue(2, 2),
        on(sample_tasks.echo).enqueue("last"),
    ]
    failed = [finished[1], finished[3]]
    completed = [finished[0], finished[2], finished[4]]
    return {
        JobState.ACTIVE: [],
        JobState.WAITING: [str(r.id) for r in reversed(waiting)],
        JobState.DELAYED: [str(r.id) for r in delayed],
        JobState.COMPLETED: [str(r.id) for r in reversed(completed)],
        JobState.FAILED: [str(r.id) for r in reversed(failed)],
    }


@pytest.fixture
def tasks_contract_env(tasks_backend: Any) -> ContractEnv:
    """Queue "contract": 4 waiting, 2 delayed (in 1 h and 2 h), 3 completed, 2 failed."""
    return ContractEnv(backend=tasks_backend, queue="contract", ids=seed_contract_queue("contract"))
