"""Adding Django tasks and changing them, by the task framework and the ORM.

A task is added by enqueuing the task object found at its import path (only a real task of the
framework; nothing else is imported for its side effects beyond the import itself), with
arguments given as ``{"args": [...], "kwargs": {...}}``. Editing locks the row
(``select_for_update``) and checks its status in the same transaction, so a worker that takes
the task meanwhile either runs it with the new arguments or the edit is refused.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any, ClassVar

from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ...actions.errors import JobConflict
from ...language import Text
from ...states import JobState
from ..errors import JobNotFound
from ..job_input import JobChange, NewJob
from ..types import JobDetail
from .rows import row_state

#: Django's task priorities.
PRIORITY_RANGE = (-100, 100)
STATES: dict[JobChange, tuple[JobState, ...]] = {
    JobChange.EDIT: (JobState.WAITING, JobState.DELAYED, JobState.FAILED),
    JobChange.RESCHEDULE: (JobState.DELAYED,),
}


def _task_class() -> type:
    import django

    if django.VERSION >= (6, 0):
        from django.tasks import Task
    else:  # pragma: no cover - Django 5.2 only
        from django_tasks.base import Task  # type: ignore[assignment,no-redef,unused-ignore]
    return Task


def _task_errors(path: str) -> tuple[Any, list[tuple[str, Text]]]:
    """The task object at ``path``, or why there is none."""
    task_class = _task_class()
    if not path or path.startswith(".") or any(not part.isidentifier() for part in path.split(".")):
        return None, [("name", _("name must be a task's import path (module.function)."))]
    try:
        found = import_string(path)
    except ImportError:
        message = _("There is no task {path}.")
        return None, [("name", format_lazy(message, path=repr(path)))]
    if not isinstance(found, task_class):
        message = _("{path} is not a task (decorate it with @task).")
        return None, [("name", format_lazy(message, path=repr(path)))]
    return found, []


class TaskChangesMixin:
    """Mixed into ``DjangoTasksBackend``: add, edit the arguments, reschedule."""

    supports_add_job = True
    supports_edit_job = True
    supports_reschedule = True
    add_job_options: ClassVar[frozenset[str]] = frozenset({"delay", "priority"})
    job_change_states: ClassVar[dict[JobChange, tuple[JobState, ...]]] = STATES
    job_names_are_paths: ClassVar[bool] = True
    new_job_data: ClassVar[Any] = {"args": [], "kwargs": {}}

    alias: str
    task_backend: str
    _rows: Any
    _database_errors: Any
    kept: Any
    get_job: Any

    def name_to_add(self, job: JobDetail) -> str:
        return dict(job.extra).get("Task path", job.name)

    def data_errors(self, data: Any) -> list[tuple[str, Text]]:
        shape = _('data must be {"args": [...], "kwargs": {...}}.')
        if not isinstance(data, dict) or set(data) - {"args", "kwargs"}:
            return [("data", shape)]
        if not isinstance(data.get("args", []), list):
            return [("data.args", shape)]
        kwargs = data.get("kwargs", {})
        if not isinstance(kwargs, dict) or not all(k.isidentifier() for k in kwargs):
            return [("data.kwargs", _("data.kwargs must map argument names to values."))]
        return []

    def new_job_errors(self, job: NewJob) -> list[tuple[str, Text]]:
        errors = self.data_errors(job.data)
        errors += _task_errors(job.name)[1]
        priority = job.options.get("priority")
        if priority is not None and not PRIORITY_RANGE[0] <= priority <= PRIORITY_RANGE[1]:
            message = _("priority must be from {least} to {most} for Django tasks.")
            least, most = PRIORITY_RANGE
            errors.append(("priority", format_lazy(message, least=least, most=most)))
        return errors

    async def add_job(self, queue: str, job: NewJob) -> JobDetail:
        with self._database_errors():
            result = await sync_to_async(self._enqueue)(queue, job)
        self.kept.forget()  # the next page counts again (kept.py)
        return await self.get_job(queue, str(result.id))

    def _enqueue(self, queue: str, job: NewJob) -> Any:
        from ..job_input import InvalidJob

        found, errors = _task_errors(job.name)
        if errors:
            raise InvalidJob(errors)
        using: dict[str, Any] = {"queue_name": queue, "backend": self.task_backend}
        if "priority" in job.options:
            using["priority"] = job.options["priority"]
        if job.options.get("delay"):
            using["run_after"] = timezone.now() + timedelta(milliseconds=job.options["delay"])
        try:
            chosen = found.using(**using)
            return chosen.enqueue(*job.data.get("args", []), **job.data.get("kwargs", {}))
        except (TypeError, ValueError) as exc:  # the framework refuses (queue, JSON, priority)
            raise InvalidJob([("", str(exc)[:300])]) from exc

    async def edit_job_data(self, queue: str, job_id: str, data: Any) -> tuple[Any, JobState]:
        with self._database_errors():
            try:
                return await sync_to_async(self._edit)(queue, job_id, data)
            finally:
                self.kept.forget()

    async def reschedule_job(self, queue: str, job_id: str, run_at: datetime) -> datetime | None:
        with self._database_errors():
            try:
                return await sync_to_async(self._reschedule)(queue, job_id, run_at)
            finally:
                self.kept.forget()

    # -- in a thread ----------------------------------------------------------------------------

    def _locked(self, queue: str, job_id: str, change: JobChange) -> tuple[Any, JobState]:
        try:
            pk = uuid.UUID(job_id)
        except ValueError:
            raise JobNotFound(queue, job_id) from None
        row = self._rows().select_for_update().filter(queue_name=queue, pk=pk).first()
        if row is None:
            raise JobNotFound(queue, job_id)
        state = row_state(row, timezone.now())
        if state not in STATES[change]:
            message = _("Job {job} is now {now}; it can no longer be changed.")
            raise JobConflict(format_lazy(message, job=job_id, now=state.phrase_lazy), state)
        return row, state

    def _edit(self, queue: str, job_id: str, data: Any) -> tuple[Any, JobState]:
        with transaction.atomic(using=self._rows().db):
            row, state = self._locked(queue, job_id, JobChange.EDIT)
            before = row.args_kwargs
            new = {"args": list(data.get("args", [])), "kwargs": dict(data.get("kwargs", {}))}
            json.dumps(new)  # as the framework stores it
            self._rows().filter(pk=row.pk).update(args_kwargs=new)
        return before, state

    def _reschedule(self, queue: str, job_id: str, run_at: datetime) -> datetime | None:
        with transaction.atomic(using=self._rows().db):
            row, _state = self._locked(queue, job_id, JobChange.RESCHEDULE)
            before = row.run_after
            self._rows().filter(pk=row.pk).update(run_after=run_at)
        return before
