"""Add a job, edit a job's data, reschedule it, change its priority, remove a parent's
unprocessed children: capability, read-only and permission checked, and audited with the
values before and after."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..backends.base import QueueBackend
from ..backends.errors import BackendError
from ..backends.job_input import NewJob
from ..backends.types import JobDetail
from ..language import Text, english
from ..models import AuditEntry
from ..reading import forget
from ..states import JobState
from . import audit
from .errors import ActionRefused
from .permissions import lacks_permission

T = TypeVar("T")


class ChangeAction(StrEnum):
    """Also the names the audit log records."""

    ADD = "add-job"
    EDIT = "edit-data"
    RESCHEDULE = "reschedule"
    PRIORITY = "change-priority"
    REMOVE_CHILDREN = "remove-children"


PERMISSION_FOR = {
    ChangeAction.ADD: "queues.add_jobs",
    ChangeAction.EDIT: "queues.edit_jobs",
    ChangeAction.RESCHEDULE: "queues.edit_jobs",
    ChangeAction.PRIORITY: "queues.edit_jobs",
    ChangeAction.REMOVE_CHILDREN: "queues.edit_jobs",
}
CAPABILITY_FOR = {
    ChangeAction.ADD: "add_job",
    ChangeAction.EDIT: "edit_job",
    ChangeAction.RESCHEDULE: "reschedule",
    ChangeAction.PRIORITY: "change_priority",
    ChangeAction.REMOVE_CHILDREN: "remove_children",
}
_NAMES = {
    ChangeAction.ADD: _("add jobs"),
    ChangeAction.EDIT: _("edit jobs"),
    ChangeAction.RESCHEDULE: _("reschedule jobs"),
    ChangeAction.PRIORITY: _("change priorities"),
    ChangeAction.REMOVE_CHILDREN: _("remove children"),
}


def refusal(user: Any, backend: QueueBackend, queue: str, action: ChangeAction) -> Text | None:
    """Why ``user`` may not do ``action`` on ``queue``, or None (in a thread)."""
    if not getattr(backend, f"supports_{CAPABILITY_FOR[action]}"):
        message = _("{backend} cannot {action}.")
        return format_lazy(message, backend=backend.label, action=_NAMES[action])
    if backend.is_queue_read_only(queue):
        message = _("Queue {queue} of {backend} is read-only.")
        return format_lazy(message, queue=repr(queue), backend=backend.label)
    if not user.has_perm(PERMISSION_FOR[action]):
        return lacks_permission(PERMISSION_FOR[action])
    return None


def allowed_changes(user: Any, backend: QueueBackend, queue: str) -> set[str]:
    """The changes ``user`` may make on ``queue``, for the buttons (in a thread)."""
    return {a.value for a in ChangeAction if refusal(user, backend, queue, a) is None}


async def check(
    user: Any, backend: QueueBackend, queue: str, action: ChangeAction, job_id: str | None = None
) -> None:
    """Raise ``ActionRefused`` (audited) unless ``user`` may: before the input is even read."""
    reason = await sync_to_async(refusal)(user, backend, queue, action)
    if reason is not None:
        await audit.record(
            user, action.value, backend.alias, queue, AuditEntry.Outcome.REFUSED,
            job_ids=[job_id] if job_id else [], message=reason,
        )  # fmt: skip
        raise ActionRefused(reason)


async def _audited(
    user: Any,
    backend: QueueBackend,
    queue: str,
    action: ChangeAction,
    job_id: str | None,
    call: Callable[[], Awaitable[T]],
    describe: Callable[[T], tuple[Text, dict[str, Any], str | None]],
) -> T:
    ids = [job_id] if job_id else []
    await check(user, backend, queue, action, job_id)
    try:
        result = await call()
    except BackendError as exc:
        outcome = AuditEntry.Outcome.SKIPPED if exc.status == 409 else AuditEntry.Outcome.ERROR
        if exc.status != 400:
            await audit.record(
                user, action.value, backend.alias, queue, outcome,
                job_ids=ids, message=english(exc),
            )  # fmt: skip
        raise
    message, params, new_id = describe(result)
    await audit.record(
        user, action.value, backend.alias, queue, AuditEntry.Outcome.OK,
        job_ids=[new_id] if new_id else ids, params=params, counts=(1, 0, 0),
        message=english(message),
    )  # fmt: skip
    forget(backend)
    return result


async def add_job(user: Any, backend: QueueBackend, queue: str, job: NewJob) -> JobDetail:
    def describe(added: JobDetail) -> tuple[Text, dict[str, Any], str | None]:
        message = format_lazy(_("Job {job} added."), job=added.id)
        after = {"name": job.name, "data": job.data, "options": job.options}
        return message, {"before": None, "after": after}, added.id

    return await _audited(
        user, backend, queue, ChangeAction.ADD, None,
        lambda: backend.add_job(queue, job), describe,
    )  # fmt: skip


async def edit_data(
    user: Any, backend: QueueBackend, queue: str, job_id: str, data: Any
) -> tuple[Any, JobState]:
    def describe(done: tuple[Any, JobState]) -> tuple[Text, dict[str, Any], str | None]:
        before, state = done
        message = format_lazy(_("Job {job}: its data changed."), job=job_id)
        return message, {"state": state.value, "before": before, "after": data}, None

    return await _audited(
        user, backend, queue, ChangeAction.EDIT, job_id,
        lambda: backend.edit_job_data(queue, job_id, data), describe,
    )  # fmt: skip


async def reschedule(
    user: Any, backend: QueueBackend, queue: str, job_id: str, run_at: datetime
) -> datetime | None:
    def describe(before: datetime | None) -> tuple[Text, dict[str, Any], str | None]:
        message = format_lazy(_("Job {job} rescheduled to {when}."), job=job_id, when=run_at)
        old = before.isoformat() if before else None
        return message, {"before": old, "after": run_at.isoformat()}, None

    return await _audited(
        user, backend, queue, ChangeAction.RESCHEDULE, job_id,
        lambda: backend.reschedule_job(queue, job_id, run_at), describe,
    )  # fmt: skip


async def change_priority(
    user: Any, backend: QueueBackend, queue: str, job_id: str, priority: int
) -> int:
    def describe(before: int) -> tuple[Text, dict[str, Any], str | None]:
        message = format_lazy(_("Job {job}: priority {n}."), job=job_id, n=priority)
        return message, {"before": before, "after": priority}, None

    return await _audited(
        user, backend, queue, ChangeAction.PRIORITY, job_id,
        lambda: backend.change_job_priority(queue, job_id, priority), describe,
    )  # fmt: skip


async def remove_children(user: Any, backend: QueueBackend, queue: str, job_id: str) -> int:
    def describe(waited: int) -> tuple[Text, dict[str, Any], str | None]:
        message = format_lazy(_("Job {job}: its unprocessed children removed."), job=job_id)
        return message, {"before": {"unprocessed": waited}, "after": {"unprocessed": 0}}, None

    return await _audited(
        user, backend, queue, ChangeAction.REMOVE_CHILDREN, job_id,
        lambda: backend.remove_unprocessed_children(queue, job_id), describe,
    )  # fmt: skip
