"""A task's stored result (Celery's Redis result backend) as the board's ``JobDetail``.

The value is JSON under Celery's default ``result_serializer``; with ``result_extended`` it
also names the task, its arguments, worker and queue. Every field may be missing or wrong and
each such finding is a problem note; a pickled result is never unpickled (its status is read
from the pickle's opcodes, nothing is built).
"""

from __future__ import annotations

import pickletools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from ...states import JobState
from .. import untrusted
from ..types import JobDetail, Payload
from .reads import StoredResult

#: Celery's states (``celery/states.py``) as the board's; any other (a task's own, such as
#: ``PROGRESS`` from ``update_state``) is a running task reporting progress.
STATUS_STATES = {
    "STARTED": JobState.ACTIVE,
    "SUCCESS": JobState.COMPLETED,
    "FAILURE": JobState.FAILED,
    "RETRY": JobState.DELAYED,
    "REVOKED": JobState.CANCELED,
    "REJECTED": JobState.FAILED,
    "PENDING": JobState.WAITING,
    "RECEIVED": JobState.WAITING,
}
_EMPTY = Payload(text="", size=0)


class Unreadable(ValueError):
    """The key holds no result the board can read (``str`` says why)."""


def meta_of(stored: StoredResult) -> tuple[Mapping[str, Any], tuple[str, ...]]:
    """The result's fields and notes on what could not be read."""
    raw = stored.raw or b""
    if stored.too_large:
        size = f"{stored.size:,}"
        note = _("The stored result is {size} bytes, too large to read.").format(size=size)
        return {}, (note,)
    if is_pickled(stored):
        status = pickled_status(raw)
        note = _(
            "The result was stored with the pickle serializer ({size} bytes); the board "
            "never unpickles it, so only its status is shown."
        ).format(size=f"{len(raw):,}")
        return ({"status": status} if status else {}), (note,)
    try:
        value = untrusted.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}, (_("The stored result is neither JSON nor a pickle; it cannot be read."),)
    if not isinstance(value, dict):
        return {}, (_("The stored result is not an object; it cannot be read."),)
    return value, ()


#: Opcodes between a pickled key and its value that carry neither (memo, framing).
_BOOKKEEPING = frozenset({"MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT", "FRAME"})


def is_pickled(stored: StoredResult) -> bool:
    """Stored with the pickle serializer (pickle protocol 2 and later start with 0x80)."""
    return (stored.raw or b"")[:1] == b"\x80"


def pickled_status(raw: bytes, max_ops: int = 10_000) -> str | None:
    """The string stored under the key ``status`` in a pickled dict, from its opcodes."""
    previous: Any = None
    try:
        for count, (op, arg, _pos) in enumerate(pickletools.genops(raw)):
            if count >= max_ops:
                return None
            if op.name in _BOOKKEEPING:
                continue
            if previous == "status" and isinstance(arg, str):
                return arg
            previous = arg
    except (ValueError, EOFError, TypeError):
        return None
    return None


def state_of(status: str | None) -> JobState | None:
    if not status:
        return None
    return STATUS_STATES.get(status, JobState.ACTIVE)


@dataclass(frozen=True)
class ParsedResult:
    """A stored result read once: its bytes, its fields and what could not be read."""

    stored: StoredResult
    meta: Mapping[str, Any]
    problems: tuple[str, ...]

    @classmethod
    def of(cls, stored: StoredResult) -> ParsedResult:
        meta, problems = meta_of(stored)
        return cls(stored, meta, problems)

    @property
    def queue(self) -> str | None:
        """The queue the result names (``result_extended``), or None when it names none."""
        return _text(self.meta.get("queue"))


def detail(backend: str, queue: str, task_id: str, parsed: ParsedResult) -> JobDetail:
    """The job page of ``task_id`` from its stored result."""
    stored, meta, problems = parsed.stored, parsed.meta, parsed.problems
    status = _text(meta.get("status"))
    state = state_of(status)
    notes = list(problems)
    if state is None:
        notes.append(_("The stored result says no status; it is shown as failed."))
        state = JobState.FAILED
    result = meta.get("result")
    returned = Payload.from_value(result) if state is JobState.COMPLETED else _EMPTY
    if is_pickled(stored):
        note = _("pickled, {size} bytes (never unpickled)").format(size=f"{stored.size:,}")
        returned = Payload.opaque_value(stored.size, "pickle", note)
    extended = "name" in meta
    if not extended and not problems:
        notes.append(
            _(
                "Celery keeps a task's name, arguments and queue with its result only with "
                "result_extended = True; they are not shown."
            )
        )
    if extended and not _text(meta.get("queue")):
        notes.append(_("The result does not name its queue; it is shown under every queue."))
    retries = _integer(meta.get("retries")) or 0
    finished = state in {JobState.COMPLETED, JobState.FAILED, JobState.CANCELED}
    return JobDetail(
        backend=backend,
        queue=queue,
        id=_text(meta.get("task_id")) or task_id,
        state=state,
        name=_text(meta.get("name")) or "",
        data=_arguments(meta) if extended else _EMPTY,
        progress=Payload.from_value(result) if state is JobState.ACTIVE and result else _EMPTY,
        attempts_made=retries + (1 if finished else 0),
        finished_at=_when(meta.get("date_done")) if finished else None,
        failed_reason=_failure(result) if state is JobState.FAILED else None,
        return_value=returned if state is JobState.COMPLETED else _EMPTY,
        # One run's traceback: Celery keeps the last one only.
        stacktrace=(traceback,) if (traceback := _text(meta.get("traceback"))) else (),
        worker=_text(meta.get("worker")),
        extra=_extra(status, meta),
        problems=tuple(notes),
    )


def _arguments(meta: Mapping[str, Any]) -> Payload:
    return Payload.from_value({"args": meta.get("args"), "kwargs": meta.get("kwargs")})


def _failure(result: Any) -> str | None:
    """``ExcType: message`` from Celery's stored exception (``exc_type``, ``exc_message``)."""
    if not isinstance(result, dict):
        return _text(result)
    kind = _text(result.get("exc_type")) or "Error"
    message = result.get("exc_message")
    if isinstance(message, list | tuple):
        message = ", ".join(str(part) for part in message)
    return f"{kind}: {message}" if message not in (None, "") else kind


def _extra(status: str | None, meta: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    facts = [(_("Celery status"), status or "")]
    for label, name in (
        (_("Parent task"), "parent_id"),
        (_("Group"), "group_id"),
        (_("Queue"), "queue"),
    ):
        value = _text(meta.get(name))
        if value:
            facts.append((label, value))
    children = meta.get("children")
    if isinstance(children, list) and children:
        facts.append((_("Child tasks"), str(len(children))))
    return tuple(facts)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
