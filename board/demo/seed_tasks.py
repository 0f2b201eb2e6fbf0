"""Fill the Django Tasks demo queues with finished, failed, waiting and delayed tasks.

Finished rows come from django-tasks-db's real worker; "running" ones appear once the live
``db_worker`` started by the demo picks up the waiting tasks.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from django.utils import timezone

TASK_PATH_PREFIX = "board.demo.tasks."
STATE_NAMES = {"READY": "waiting", "RUNNING": "active", "SUCCESSFUL": "completed"}


def clear() -> int:
    """Delete every row of a demo task; other tasks in the database are left alone."""
    from django_tasks_db.models import DBTaskResult

    deleted, _ = DBTaskResult.objects.filter(task_path__startswith=TASK_PATH_PREFIX).delete()
    return deleted


def _finished_batch() -> list[Callable[[], Any]]:
    """Tasks the seed runs at once: most succeed, some raise."""
    from . import tasks

    return [
        lambda: tasks.send_email.enqueue("ada.lovelace@example.com"),
        lambda: tasks.send_email.enqueue("grace.hopper@example.com", "receipt"),
        lambda: tasks.send_email.enqueue("linus@example.org", "digest"),
        lambda: tasks.send_email.enqueue("ken@mail.invalid"),  # bounces
        lambda: tasks.send_email.enqueue("margaret@example.com", "newsletter"),  # no template
        lambda: tasks.make_thumbnail.enqueue("uploads/cat.jpg", 4032, 3024),
        lambda: tasks.make_thumbnail.enqueue("uploads/beach.png", 1920, 1080, 640),
        lambda: tasks.make_thumbnail.enqueue("uploads/broken.gif", 0, 0),  # zero width
        lambda: tasks.build_monthly_report.enqueue("2025-09", "eu"),
        lambda: tasks.build_monthly_report.enqueue("2025-10", "us"),
        lambda: tasks.build_monthly_report.enqueue("2025-13", "eu"),  # no such month
        lambda: tasks.build_monthly_report.enqueue("2025-10", "mars"),  # no such region
        lambda: tasks.clear_expired_sessions.enqueue(),
    ]


def _pending_batch() -> list[Callable[[], Any]]:
    """Tasks left for the live worker: waiting now (slow ones) and delayed."""
    from . import tasks

    now = timezone.now()

    def later(task: Any, **delta: float) -> Any:
        return task.using(run_after=now + timedelta(**delta))

    return [
        lambda: tasks.send_email.enqueue("alan.turing@example.com", seconds=6),
        lambda: tasks.send_email.using(priority=10).enqueue(
            "vip.customer@example.com", "receipt", seconds=4
        ),
        lambda: tasks.send_email.enqueue("barbara@mail.invalid", seconds=5),
        lambda: tasks.make_thumbnail.enqueue("uploads/mountain.jpg", 6000, 4000, seconds=8),
        lambda: tasks.make_thumbnail.enqueue("uploads/logo.png", 512, 512, 128, seconds=5),
        lambda: tasks.build_monthly_report.enqueue("2025-11", "apac", seconds=10),
        lambda: tasks.clear_expired_sessions.enqueue(seconds=3),
        lambda: later(tasks.send_email, minutes=2).enqueue("weekly@example.com", "digest"),
        lambda: later(tasks.build_monthly_report, minutes=10).enqueue("2025-11", "eu", seconds=6),
        lambda: later(tasks.build_monthly_report, hours=1).enqueue("2025-11", "us"),
        lambda: later(tasks.make_thumbnail, days=1).enqueue("uploads/tomorrow.jpg", 800, 600),
        lambda: later(tasks.clear_expired_sessions, hours=6).enqueue(),
    ]


@contextlib.contextmanager
def _quiet(*names: str) -> Iterator[None]:
    """Silence loggers for a while (the seed's failing tasks would print their tracebacks)."""
    loggers = [logging.getLogger(name) for name in names]
    saved = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = True
    try:
        yield
    finally:
        for logger, disabled in zip(loggers, saved, strict=True):
            logger.disabled = disabled


def run_worker(max_tasks: int, worker_id: str = "demo-seed") -> None:
    """Run django-tasks-db's worker (without its signal handlers) until no task is ready."""
    from django_tasks_db.compat import TASKS_LOGGER
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    with _quiet(TASKS_LOGGER, "django_tasks_db"):
        worker.run()


def counts() -> dict[str, Counter[str]]:
    """Demo rows per queue and state ("waiting", "delayed", "active", "completed", "failed")."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    now, never = timezone.now(), get_date_max()  # run_after == never: no run_after given
    result: dict[str, Counter[str]] = {}
    rows = DBTaskResult.objects.filter(task_path__startswith=TASK_PATH_PREFIX)
    for queue, status, run_after in rows.values_list("queue_name", "status", "run_after"):
        delayed = status == "READY" and now < run_after < never
        state = "delayed" if delayed else STATE_NAMES.get(status, status.lower())
        result.setdefault(queue, Counter())[state] += 1
    return result


def seed() -> dict[str, Counter[str]]:
    """Replace the demo rows with a fresh set in every state; returns the counts."""
    clear()
    finished = _finished_batch()
    for enqueue in finished:
        enqueue()
    run_worker(max_tasks=len(finished))
    for enqueue in _pending_batch():
        enqueue()
    return counts()
