"""Actions on django-tasks-db results: retry, promote, remove, clean and empty, by the ORM.

Each action runs in one transaction that locks the rows it reads (``select_for_update``; on
SQLite the transaction itself serialises writers), so a row a worker or another user just moved
is skipped with its current state instead of being changed twice. A retried task keeps its
earlier exception and traceback, so the failure stays visible next to the fresh attempt.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from asgiref.sync import sync_to_async
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ...language import Text
from ...states import JobState
from ..actions import ActionOutcome, JobAction, QueueAction, QueueActionParams, Skip
from ..applicability import DEFAULT_TABLE, ActionTable
from .rows import QUEUE_STATUS, date_max, row_state, state_filter

if TYPE_CHECKING:
    from django_tasks_db.models import DBTaskResult

_QUEUE_ACTION_STATE = {
    QueueAction.RETRY_ALL: JobState.FAILED,
    QueueAction.PROMOTE_ALL: JobState.DELAYED,
    QueueAction.EMPTY: JobState.WAITING,
}


class TaskActionsMixin:
    """Mixed into ``DjangoTasksBackend``; relies on its ``_rows``, state helpers and errors."""

    #: Retry failed tasks, run delayed ones now, remove any but a running one; clean takes
    #: waiting, delayed, completed or failed tasks.
    action_table: ClassVar[ActionTable] = DEFAULT_TABLE

    supports_retry = True
    supports_promote = True
    supports_remove = True
    supports_clean = True
    supports_empty = True

    # Provided by DjangoTasksBackend.
    alias: str
    database: str | None
    _rows: Any
    _queue_rows: Any
    _database_errors: Any
    kept: Any

    async def act_on_jobs(
        self, queue: str, action: JobAction, job_ids: list[str], *, retry_completed: bool = True
    ) -> ActionOutcome:
        # Completed tasks are never retried here (no supports_retry_completed).
        with self._database_errors():
            try:
                return await sync_to_async(self._act_on_jobs)(queue, action, job_ids)
            finally:
                self.kept.forget()  # the next page counts again (kept.py)

    async def count_for(self, queue: str, action: QueueAction, params: QueueActionParams) -> int:
        with self._database_errors():
            return await self._matching(queue, action, params, timezone.now()).acount()

    async def queue_step(
        self, queue: str, action: QueueAction, params: QueueActionParams, batch_size: int
    ) -> ActionOutcome:
        if action in (QueueAction.PAUSE, QueueAction.RESUME):
            raise NotImplementedError("Django Tasks queues cannot be paused.")
        with self._database_errors():
            try:
                return await sync_to_async(self._queue_step)(queue, action, params, batch_size)
            finally:
                self.kept.forget()

    # -- in a thread ----------------------------------------------------------------------------

    def _act_on_jobs(self, queue: str, action: JobAction, job_ids: list[str]) -> ActionOutcome:
        outcome = ActionOutcome()
        pks: dict[uuid.UUID, str] = {}
        for job_id in job_ids:
            try:
                pks[uuid.UUID(job_id)] = job_id
            except ValueError:
                outcome.skipped.append(Skip(job_id, _not_found(job_id), missing=True))
        now = timezone.now()
        with transaction.atomic(using=self._db()):
            rows = {
                row.pk: row
                for row in self._rows()
                .select_for_update()
                .filter(queue_name=queue, pk__in=list(pks))
                .only("pk", "status", "run_after")
            }
            chosen: list[Any] = []
            for pk, job_id in pks.items():
                row = rows.get(pk)
                if row is None:
                    outcome.skipped.append(Skip(job_id, _not_found(job_id), missing=True))
                    continue
                state = row_state(row, now)
                if self.action_table.applies(action, state):  # checked again under the lock
                    chosen.append(pk)
                    outcome.done_ids.append(job_id)
                    continue
                reason = _refusal(action, job_id, state, self.action_table)
                outcome.skipped.append(Skip(job_id, reason, state))
            self._apply(self._rows().filter(pk__in=chosen), action, now)
        outcome.done = len(chosen)
        return outcome

    def _queue_step(
        self, queue: str, action: QueueAction, params: QueueActionParams, batch_size: int
    ) -> ActionOutcome:
        now = timezone.now()
        with transaction.atomic(using=self._db()):
            matching = self._matching(queue, action, params, now).select_for_update()
            pks = list(matching.order_by("pk").values_list("pk", flat=True)[:batch_size])
            rows = self._rows().filter(pk__in=pks)
            if action == QueueAction.CLEAN or action == QueueAction.EMPTY:
                rows.delete()
            elif action == QueueAction.RETRY_ALL:
                self._apply(rows, JobAction.RETRY, now)
            elif action == QueueAction.PROMOTE_ALL:
                self._apply(rows, JobAction.PROMOTE, now)
        return ActionOutcome(
            done=len(pks), done_ids=[str(pk) for pk in pks], finished=len(pks) < batch_size
        )

    # -- helpers --------------------------------------------------------------------------------

    def _db(self) -> str:
        return self.database or "default"

    def _apply(self, rows: QuerySet[DBTaskResult], action: JobAction, now: datetime) -> None:
        if action == JobAction.RETRY:
            rows.update(status="READY", run_after=date_max(), started_at=None, finished_at=None)
        elif action == JobAction.PROMOTE:
            rows.update(run_after=now)
        elif action == JobAction.REMOVE:
            rows.delete()

    def _matching(
        self, queue: str, action: QueueAction, params: QueueActionParams, now: datetime
    ) -> QuerySet[DBTaskResult]:
        state = _QUEUE_ACTION_STATE.get(action) or params.state or JobState.COMPLETED
        condition = state_filter(state, now, QUEUE_STATUS) or Q(pk__in=[])
        rows = self._queue_rows(queue).filter(condition)
        if action == QueueAction.RETRY_ALL and params.cutoff_ms is not None:
            cutoff = datetime.fromtimestamp(params.cutoff_ms / 1000, tz=UTC)
            rows = rows.filter(Q(finished_at__lte=cutoff) | Q(finished_at__isnull=True))
        if action == QueueAction.CLEAN and params.grace_ms:
            older = now - timedelta(milliseconds=params.grace_ms)
            finished = state in (JobState.COMPLETED, JobState.FAILED)
            rows = (
                rows.filter(finished_at__lt=older)
                if finished
                else rows.filter(enqueued_at__lt=older)
            )
        return rows


def _not_found(job_id: str) -> Text:
    return format_lazy(_("Job {job} was not found."), job=job_id)


def _refusal(action: JobAction, job_id: str, state: JobState, table: ActionTable) -> Text:
    """A job that is no longer where the action applies (it was when the page was shown)."""
    if action == JobAction.REMOVE:
        message = _("Job {job} is running; a running job cannot be removed.")
        return format_lazy(message, job=job_id)
    wanted = min(table.jobs[action].states)  # retry: failed; promote: delayed
    message = _("Job {job} is no longer {wanted}; it is now {now}.")
    return format_lazy(message, job=job_id, wanted=wanted.phrase_lazy, now=state.phrase_lazy)
