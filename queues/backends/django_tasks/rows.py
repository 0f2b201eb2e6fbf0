"""How a django-tasks-db row maps onto the board's states, in Python and in SQL.

A READY row whose ``run_after`` is still ahead is *delayed*; django-tasks-db stores its
``get_date_max()`` (9999-01-01) to mean "no delay". The backend and its actions, changes and
health mixins all read states through these functions, so they agree on what "waiting" means.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Case, CharField, Q, Value, When

from ...states import JobState

if TYPE_CHECKING:
    from django_tasks_db.models import DBTaskResult

READY, RUNNING, SUCCESSFUL, FAILED = "READY", "RUNNING", "SUCCESSFUL", "FAILED"
#: The status as the backend's rows of one queue alias it (``_queue_rows``): compared through an
#: expression that no index serves, so SQLite (which keeps no statistics) reads a queue through
#: its ``queue_name`` index instead of the index of all READY rows of every queue.
QUEUE_STATUS = "board_status"


def date_max() -> datetime:
    """The ``run_after`` django-tasks-db stores for "no delay"."""
    from django_tasks_db.models import get_date_max

    return get_date_max()


def state_filter(state: JobState, now: datetime, status: str = "status") -> Q | None:
    """Rows of ``state``, or ``None`` for a state this backend never holds.

    ``status``: the field compared (``QUEUE_STATUS`` for the rows of one queue).
    """
    delayed = Q(**{status: READY}, run_after__gt=now, run_after__lt=date_max())
    return {
        JobState.WAITING: Q(**{status: READY}) & ~delayed,
        JobState.DELAYED: delayed,
        JobState.ACTIVE: Q(**{status: RUNNING}),
        JobState.COMPLETED: Q(**{status: SUCCESSFUL}),
        JobState.FAILED: Q(**{status: FAILED}),
    }.get(state)


def state_case(now: datetime) -> Case:
    """The board state of a row, computed by the database."""
    return Case(
        When(state_filter(JobState.DELAYED, now), then=Value(JobState.DELAYED.value)),
        When(status=READY, then=Value(JobState.WAITING.value)),
        When(status=RUNNING, then=Value(JobState.ACTIVE.value)),
        When(status=SUCCESSFUL, then=Value(JobState.COMPLETED.value)),
        When(status=FAILED, then=Value(JobState.FAILED.value)),
        default=Value(""),
        output_field=CharField(),
    )


def row_state(row: DBTaskResult, now: datetime) -> JobState:
    """The board state of one row read into Python."""
    if row.status == READY:
        delayed = now < row.run_after < date_max()
        return JobState.DELAYED if delayed else JobState.WAITING
    return {
        RUNNING: JobState.ACTIVE,
        SUCCESSFUL: JobState.COMPLETED,
        FAILED: JobState.FAILED,
    }.get(row.status, JobState.WAITING)
