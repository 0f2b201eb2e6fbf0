"""Obliterate a queue: delete it with every job, as a bulk run of bounded batches.

Refused (and audited) unless the user has ``queues.obliterate_queues``, the backend can do it
and the queue is writable; unless the name typed to confirm is the queue's own; unless the
queue is paused; and, without ``force``, while jobs are active. The backend checks the last two
again in every batch (a queue resumed meanwhile stops the run with that reason).
"""

from __future__ import annotations

from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..backends.actions import QueueAction, QueueActionParams
from ..backends.base import QueueBackend
from ..backends.errors import BackendError
from ..models import AuditEntry, BulkRun
from ..states import JobState
from . import audit
from .bulk import start_run
from .jobs import check_allowed

ACTION = QueueAction.OBLITERATE


class ConfirmationMismatch(BackendError):
    status = 400
    code = "confirmation_mismatch"


class NotPaused(BackendError):
    status = 409
    code = "conflict"


async def _refuse(user: Any, backend: QueueBackend, queue: str, exc: BackendError) -> None:
    outcome = AuditEntry.Outcome.REFUSED
    await audit.record(user, ACTION.value, backend.alias, queue, outcome, message=str(exc))
    raise exc


async def start_obliterate(
    user: Any, backend: QueueBackend, queue: str, typed: str, force: bool
) -> BulkRun:
    """Check everything, then start the run (``bulk.start_run``); returns at once."""
    await check_allowed(user, backend, queue, ACTION)
    if typed != queue:
        message = _("Type the queue's name, {queue}, to obliterate it.")
        await _refuse(user, backend, queue, ConfirmationMismatch(format_lazy(message, queue=queue)))
    summary = await backend.get_queue(queue)
    if not summary.paused:
        message = _("Pause queue {queue} before obliterating it (its workers stop taking jobs).")
        await _refuse(user, backend, queue, NotPaused(format_lazy(message, queue=repr(queue))))
    active = summary.counts.get(JobState.ACTIVE, 0)
    if active and not force:
        message = _(
            "Queue {queue} has {n} active job(s); obliterate with force to delete them too "
            "(their workers lose them)."
        )
        await _refuse(
            user, backend, queue, NotPaused(format_lazy(message, queue=repr(queue), n=active))
        )
    return await start_run(user, backend, queue, ACTION, QueueActionParams(force=force))
