"""How many bulk runs may be active at once: per queue and kind, and per user.

A queue has at most ``BULK_RUNS_PER_QUEUE`` active runs of one kind (the same action on the
same state: "retry all failed", "clean completed"); another is a 409 naming the run in
progress. A user has at most ``BULK_RUNS_PER_USER`` active runs in all; another is a 429.
Active means queued, running or cancelling (``ACTIVE_STATUSES``).

The check runs twice: before the jobs are counted (cheap; a refused request costs no count),
and after the new run's row is written, against every *other* active run. Two requests racing
for the last place (two processes, or two threads of one) then cannot both get it: whichever
checks second sees the other's row. Both may lose, never both win; the loser's row is deleted.
"""

from __future__ import annotations

from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..backends.actions import QueueAction
from ..backends.errors import BackendError
from ..conf import setting
from ..language import Text
from ..models import ACTIVE_STATUSES, BulkRun
from ..states import JobState
from .permissions import ACTION_NAMES


class RunInProgress(BackendError):
    """The queue already has its run(s) of that kind."""

    status = 409
    code = "run_in_progress"

    def __init__(self, message: Text, run_id: str) -> None:
        super().__init__(message)
        self.details = {"run": run_id}


class TooManyRuns(BackendError):
    """The user already has as many active runs as one user may."""

    status = 429
    code = "too_many_runs"


def kind_of(params: dict[str, Any]) -> Any:
    """Runs of one action differ in kind by the state they work on (clean completed/failed)."""
    return params.get("state")


async def check(
    user_id: Any, backend: str, queue: str, action: str, params: dict[str, Any],
    *, exclude: Any = None,
) -> None:  # fmt: skip
    """Raise ``RunInProgress`` or ``TooManyRuns`` unless one more run fits (``exclude``: it)."""
    active = BulkRun.objects.filter(status__in=ACTIVE_STATUSES).exclude(pk=exclude)
    same = active.filter(backend=backend, queue=queue, action=action).order_by("created_at")
    kind = kind_of(params)
    rivals = [run async for run in same.only("pk", "params") if kind_of(run.params) == kind]
    if len(rivals) >= int(setting("BULK_RUNS_PER_QUEUE")):
        name = ACTION_NAMES[QueueAction(action)]
        what = format_lazy("{} ({})", name, JobState(kind).phrase_lazy) if kind else name
        message = _(
            "A {action} of queue {queue} is already in progress (run {run}); wait for it to "
            "finish or cancel it."
        )
        run = str(rivals[0].pk)
        raise RunInProgress(format_lazy(message, action=what, queue=repr(queue), run=run), run)
    cap = int(setting("BULK_RUNS_PER_USER"))
    if user_id is not None and await active.filter(user_id=user_id).acount() >= cap:
        message = _(
            "You have {n} bulk run(s) in progress, the most one user may have; wait for one to "
            "finish or cancel one."
        )
        raise TooManyRuns(format_lazy(message, n=cap))


async def admit(run: BulkRun) -> None:
    """The check again with ``run`` written; on a refusal its row is deleted and it raises."""
    try:
        await check(run.user_id, run.backend, run.queue, run.action, run.params, exclude=run.pk)
    except BackendError:
        await BulkRun.objects.filter(pk=run.pk).adelete()
        raise
