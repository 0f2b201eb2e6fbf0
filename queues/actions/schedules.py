"""Run a schedule now, edit it or remove it: capability, read-only and permission checked,
and audited with the schedule as it was before and after."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.utils.translation import gettext as _

from ..backends.base import QueueBackend
from ..backends.errors import BackendError
from ..backends.schedule_types import Schedule, ScheduleEdit
from ..models import AuditEntry
from ..reading import forget
from ..schedule_serializers import schedule_to_dict
from . import audit
from .errors import ActionRefused

T = TypeVar("T")


class ScheduleAction(StrEnum):
    RUN_NOW = "run-now"
    EDIT = "edit"
    REMOVE = "remove"


#: The Django permission (app label ``queues``) each action needs.
PERMISSION_FOR = {
    ScheduleAction.RUN_NOW: "queues.run_schedules",
    ScheduleAction.EDIT: "queues.change_schedules",
    ScheduleAction.REMOVE: "queues.remove_schedules",
}
#: The backend's capability flag (``supports_<name>``) each action needs.
CAPABILITY_FOR = {
    ScheduleAction.RUN_NOW: "schedule_run_now",
    ScheduleAction.EDIT: "schedule_edit",
    ScheduleAction.REMOVE: "schedule_remove",
}
#: How each action is named in the audit log.
AUDIT_NAME = {
    ScheduleAction.RUN_NOW: "schedule-run-now",
    ScheduleAction.EDIT: "schedule-edit",
    ScheduleAction.REMOVE: "schedule-remove",
}


def refusal(user: Any, backend: QueueBackend, queue: str, action: ScheduleAction) -> str | None:
    """Why ``user`` may not do ``action`` on a schedule of ``queue``, or None (in a thread)."""
    if not backend.supports_schedules or not getattr(backend, f"supports_{CAPABILITY_FOR[action]}"):
        return _("%(backend)s cannot %(action)s schedules.") % {
            "backend": backend.label,
            "action": action.value.replace("-", " "),
        }
    if backend.is_queue_read_only(queue):
        reason = getattr(backend, "read_only_reason", None)  # why the whole backend is
        if reason:
            return str(reason)
        return _("Queue %(queue)r of %(backend)s is read-only.") % {
            "queue": queue,
            "backend": backend.label,
        }
    permission = PERMISSION_FOR[action]
    if not user.has_perm(permission):
        return _("Your account lacks the permission %(permission)r.") % {"permission": permission}
    return None


def allowed_schedule_actions(user: Any, backend: QueueBackend, queue: str) -> set[str]:
    """The schedule actions ``user`` may do on ``queue``, for the buttons (in a thread)."""
    return {a.value for a in ScheduleAction if refusal(user, backend, queue, a) is None}


async def _audited(
    user: Any,
    backend: QueueBackend,
    queue: str,
    action: ScheduleAction,
    schedule_id: str,
    call: Callable[[], Awaitable[T]],
    describe: Callable[[T], tuple[str, dict[str, Any]]],
) -> T:
    name = AUDIT_NAME[action]
    reason = await sync_to_async(refusal)(user, backend, queue, action)
    if reason is not None:
        await audit.record(
            user, name, backend.alias, queue, AuditEntry.Outcome.REFUSED,
            job_ids=[schedule_id], params={"schedule": schedule_id}, message=reason,
        )  # fmt: skip
        raise ActionRefused(reason)
    try:
        result = await call()
    except BackendError as exc:
        await audit.record(
            user, name, backend.alias, queue, AuditEntry.Outcome.ERROR,
            job_ids=[schedule_id], params={"schedule": schedule_id}, message=str(exc),
        )  # fmt: skip
        raise
    message, params = describe(result)
    await audit.record(
        user, name, backend.alias, queue, AuditEntry.Outcome.OK,
        job_ids=[schedule_id], params={"schedule": schedule_id, **params},
        counts=(1, 0, 0), message=message,
    )  # fmt: skip
    forget(backend)
    return result


async def run_now(user: Any, backend: QueueBackend, queue: str, schedule_id: str) -> Schedule:
    def describe(before: Schedule) -> tuple[str, dict[str, Any]]:
        text = _("Schedule %(id)s: its next run (job %(job)s) started now.") % {
            "id": schedule_id,
            "job": before.armed_job_id,
        }
        return text, {"before": schedule_to_dict(before), "job_id": before.armed_job_id}

    return await _audited(
        user, backend, queue, ScheduleAction.RUN_NOW, schedule_id,
        lambda: backend.run_schedule_now(queue, schedule_id), describe,
    )  # fmt: skip


async def edit(
    user: Any, backend: QueueBackend, queue: str, schedule_id: str, change: ScheduleEdit
) -> tuple[Schedule, Schedule]:
    def describe(pair: tuple[Schedule, Schedule]) -> tuple[str, dict[str, Any]]:
        before, after = pair
        text = _("Schedule %(id)s changed.") % {"id": schedule_id}
        return text, {
            "before": schedule_to_dict(before, template=True),
            "after": schedule_to_dict(after, template=True),
        }

    return await _audited(
        user, backend, queue, ScheduleAction.EDIT, schedule_id,
        lambda: backend.edit_schedule(queue, schedule_id, change), describe,
    )  # fmt: skip


async def remove(user: Any, backend: QueueBackend, queue: str, schedule_id: str) -> Schedule:
    def describe(before: Schedule) -> tuple[str, dict[str, Any]]:
        text = _("Schedule %(id)s removed.") % {"id": schedule_id}
        return text, {"before": schedule_to_dict(before, template=True), "after": None}

    return await _audited(
        user, backend, queue, ScheduleAction.REMOVE, schedule_id,
        lambda: backend.remove_schedule(queue, schedule_id), describe,
    )  # fmt: skip
