"""Replay dead-letter jobs into their original queues: one, a selection (synchronously), or all
of a queue (a bulk run, ``bulk``); checked, refused into read-only or hidden queues, audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ..backends.actions import ActionOutcome, QueueAction, QueueActionParams
from ..backends.base import QueueBackend
from ..backends.errors import BackendError, JobNotFound
from ..dead_letters import dead_letter_of, replay_job_id
from ..language import Text, english, in_english
from ..models import AuditEntry, BulkRun
from ..permissions import can_view_queue
from ..reading import forget
from . import audit
from .errors import ActionRefused, JobConflict
from .jobs import audited, check_allowed

REPLAY = QueueAction.REPLAY_DEAD_LETTERS
#: Dead letters replayed per batch of a whole-queue run, whatever BULK_BATCH_SIZE says.
STEP_CAP = 50


class NotADeadLetter(BackendError):
    status = 409
    code = "not_a_dead_letter"

    def __init__(self, queue: str, job_id: str) -> None:
        message = _(
            "Job {job} of {queue} is not a dead letter: its data has no originalQueue and "
            "originalJobId."
        )
        super().__init__(format_lazy(message, job=job_id, queue=repr(queue)))


def original_refusal(user: Any, backend: QueueBackend, original: str) -> Text | None:
    """Why ``user`` may not replay into ``original`` (hidden from them, or read-only), or None.
    Runs in a thread: the queue visibility rule may read the database."""
    if not can_view_queue(user, backend, original):
        message = _("Queue {queue} of {backend} is not shown on this board.")
        return format_lazy(message, queue=repr(original), backend=backend.label)
    if backend.is_queue_read_only(original):
        message = _("Queue {queue} of {backend} is read-only; nothing is replayed into it.")
        return format_lazy(message, queue=repr(original), backend=backend.label)
    return None


def refuser(user: Any, backend: QueueBackend) -> Callable[[str], Awaitable[Text | None]]:
    """``original_refusal`` for the backend's replay: asked once per original queue."""
    asked: dict[str, Text | None] = {}

    async def refuse(original: str) -> Text | None:
        if original not in asked:
            asked[original] = await sync_to_async(original_refusal)(user, backend, original)
        return asked[original]

    return refuse


def summary(result: ActionOutcome) -> str:
    text = ngettext("{n} job replayed", "{n} jobs replayed", result.done).format(n=result.done)
    problems = result.skipped + result.failed
    if not problems:
        return gettext("{done}.").format(done=text)
    reasons = "; ".join(str(skip.reason) for skip in problems[:3])
    if len(problems) > 3:
        reasons = gettext("{reasons}; and {n} more").format(reasons=reasons, n=len(problems) - 3)
    return gettext("{done}, {n} not replayed ({reasons}).").format(
        done=text, n=len(problems), reasons=reasons
    )


async def replay(user: Any, backend: QueueBackend, queue: str, job_ids: list[str]) -> ActionOutcome:
    """A selection (bounded by the caller): each job replayed or said why not."""
    return await audited(
        user, backend, queue, REPLAY,
        lambda: backend.replay_dead_letters(queue, job_ids, refuser(user, backend)),
        summary,
        job_ids,
    )  # fmt: skip


async def replay_one(user: Any, backend: QueueBackend, queue: str, job_id: str) -> dict[str, Any]:
    """One job: refused (403) into a read-only original queue; a job that is gone is a 404,
    one that is not a dead letter or cannot be replayed now a 409."""
    await check_allowed(user, backend, queue, REPLAY, [job_id])
    job = await backend.get_job(queue, job_id)
    letter = dead_letter_of(job.data.value, job.name)
    if letter is None:
        raise NotADeadLetter(queue, job_id)
    reason = await sync_to_async(original_refusal)(user, backend, letter.original_queue)
    if reason is not None:
        await audit.record(
            user, REPLAY.value, backend.alias, queue, AuditEntry.Outcome.REFUSED,
            job_ids=[job_id], message=reason,
        )  # fmt: skip
        raise ActionRefused(reason)
    try:
        result = await backend.replay_dead_letters(queue, [job_id], refuser(user, backend))
    except BackendError as exc:
        await audit.record(
            user, REPLAY.value, backend.alias, queue, AuditEntry.Outcome.ERROR,
            job_ids=[job_id], message=english(exc),
        )  # fmt: skip
        raise
    done = {
        "job_id": job_id,
        "original_queue": letter.original_queue,
        "original_job_id": letter.original_job_id,
        "new_job_id": replay_job_id(queue, job_id),
        "name": letter.name,
    }
    with in_english():
        described = summary(result)
    # Before: the dead letter; after: the job it became (ids only: the data stays where it is).
    before = {"queue": queue, "job": job_id, "original_job": letter.original_job_id}
    after = {"queue": letter.original_queue, "job": done["new_job_id"], "name": letter.name}
    await audit.record(
        user, REPLAY.value, backend.alias, queue, audit.outcome_of(result), job_ids=[job_id],
        params={"before": before, "after": after if result.done else None}, result=result,
        message=described,
    )  # fmt: skip
    forget(backend)
    problems = result.skipped + result.failed
    if problems:
        if problems[0].missing:
            raise JobNotFound(queue, job_id)
        raise JobConflict(problems[0].reason, problems[0].state)
    return done


async def start_replay_run(user: Any, backend: QueueBackend, queue: str) -> BulkRun:
    """Every dead-letter job of ``queue``, in bounded batches, off the request."""
    from .bulk import start_run

    return await start_run(user, backend, queue, REPLAY, QueueActionParams())


async def count_replayable(backend: QueueBackend, queue: str) -> int:
    """How many jobs a replay of the whole queue takes up (its replayable states' jobs)."""
    return await backend.count_dead_letters(queue)


async def replay_step(
    user: Any, backend: QueueBackend, queue: str, offset: int, size: int
) -> ActionOutcome:
    """One batch of a whole-queue replay; ``offset``: the jobs earlier batches left behind."""
    size = min(size, STEP_CAP)
    ids = await backend.dead_letter_ids(queue, offset, size)
    if not ids:
        return ActionOutcome(finished=True)
    outcome = await backend.replay_dead_letters(queue, ids, refuser(user, backend))
    # The backend may give fewer than asked (a long list costs more per job): done when none.
    outcome.finished = False
    return outcome
