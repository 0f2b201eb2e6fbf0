"""An RQ job hash as the board's ``JobSummary`` and ``JobDetail``; every field may be missing
or wrong, and each such finding becomes a problem note, never an error."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.translation import gettext as _

from ...states import JobState
from ..types import JobDetail, JobRef, JobSummary, Payload
from .decode import (
    b64,
    call_data,
    exc_text,
    integer,
    last_line,
    serialized,
    stamp,
    text,
    when,
)
from .keys import KEPT_WITH, STATUS_STATES

Fields = Mapping[str, bytes | None]

#: What a result's ``type`` says (``rq/results.py`` ``Result.Type``).
RESULT_TYPES = {
    "1": "successful",
    "2": "failed",
    "3": "stopped",
    "4": "retried",
    "5": "max retries exceeded",
}

_EMPTY = Payload(text="", size=0)


def status_state(fields: Fields) -> JobState | None:
    return STATUS_STATES.get(text(fields.get("status")) or "")


def row_state(listed: JobState, fields: Fields) -> JobState:
    """The state a row of ``listed`` shows: the list's own, except a stopped job kept with the
    failed ones."""
    said = status_state(fields)
    if said is not None and KEPT_WITH.get(said) is listed:
        return said
    return listed


def attempts(fields: Fields, state: JobState) -> tuple[int, int | None]:
    """(runs finished, runs allowed): RQ counts retries (``number_of_retries``) and what is
    left of them (``retries_left``)."""
    retried = integer(fields.get("number_of_retries")) or 0
    ran = 1 if state in {JobState.COMPLETED, JobState.FAILED, JobState.STOPPED} else 0
    left = integer(fields.get("retries_left"))
    allowed = None if left is None else retried + ran + left + (0 if ran else 1)
    return retried + ran, allowed


def summary(
    backend: str,
    queue: str,
    job_id: str,
    listed: JobState,
    score: float | None,
    fields: Fields,
) -> JobSummary:
    """One list row. A registry entry whose job hash is gone (expired, deleted) is a row with
    a note, never an error."""
    if not fields:
        return JobSummary(
            backend=backend,
            queue=queue,
            id=job_id,
            state=listed,
            name="",
            data=_EMPTY,
            progress=_EMPTY,
            due_at=stamp(score) if listed is JobState.DELAYED else None,
            problems=(
                _("The job's record is gone (expired or deleted); the list still names it."),
            ),
        )
    state = row_state(listed, fields)
    call = call_data(fields.get("data"))
    problems = list(call.problems)
    origin = text(fields.get("origin"))
    if origin is not None and origin != queue:
        problems.append(_("The job says it belongs to queue %(origin)r.") % {"origin": origin})
    made, allowed = attempts(fields, state)
    traceback, problem = exc_text(fields.get("exc_info"))
    if traceback is None and fields.get("result:exc_string"):
        traceback, problem = exc_text(b64(fields.get("result:exc_string")))
    if problem:
        problems.append(problem)
    return JobSummary(
        backend=backend,
        queue=queue,
        id=job_id,
        state=state,
        name=call.func_name or text(fields.get("description")) or "",
        data=call.arguments,
        progress=_EMPTY,
        attempts_made=made,
        attempts_allowed=allowed,
        created_at=when(fields.get("created_at")),
        processed_at=when(fields.get("started_at")),
        finished_at=when(fields.get("ended_at")),
        due_at=stamp(score) if listed is JobState.DELAYED else None,
        failed_reason=last_line(traceback)
        if state in {JobState.FAILED, JobState.STOPPED}
        else None,
        problems=tuple(problems),
    )


def detail(
    backend: str,
    queue: str,
    job_id: str,
    fields: Fields,
    *,
    found_in: Sequence[tuple[JobState, float | None]],
    executions: int,
    dependents: Sequence[str],
    results: Sequence[tuple[str, Mapping[str, bytes]]],
    ttl: int,
) -> JobDetail:
    """The job page: state from where the job is listed (checked against its ``status``)."""
    said = status_state(fields)
    problems: list[str] = []
    if found_in:
        listed, score = found_in[0]
        if len(found_in) > 1:
            names = ", ".join(found.value for found, _score in found_in)
            problems.append(
                _("The job is listed in several states at once: %(names)s.") % {"names": names}
            )
        state = said if said is not None and KEPT_WITH.get(said) is listed else listed
        if said is not None and said is not state:
            problems.append(
                _("The job's status says %(said)s, but it is listed as %(listed)s.")
                % {"said": said.label.lower(), "listed": listed.label.lower()}
            )
    elif said is JobState.ACTIVE and executions:
        listed, score, state = JobState.ACTIVE, None, JobState.ACTIVE
    else:
        listed, score = said or JobState.WAITING, None
        state = listed
        problems.append(
            _("The job is in no list of this queue; %(state)s is what its status says.")
            % {"state": state.label.lower()}
        )
    row = summary(backend, queue, job_id, listed, score, fields)
    call = call_data(fields.get("data"))
    serializer = call.serializer
    traceback, _problem = exc_text(fields.get("exc_info"))
    history, return_value, result_traceback = _results(results, serializer)
    if traceback is None:
        traceback = result_traceback
    stored_result = fields.get("result")
    if return_value.is_empty and stored_result:
        return_value = serialized(stored_result, serializer)
    meta = serialized(fields.get("meta"), serializer)
    extra = _extra(fields, call.serializer, dependents, history, meta, ttl)
    dependencies = _dependency_ids(fields)
    return JobDetail(
        backend=row.backend,
        queue=row.queue,
        id=row.id,
        state=state,
        name=row.name,
        data=row.data,
        progress=row.progress,
        attempts_made=row.attempts_made,
        attempts_allowed=row.attempts_allowed,
        created_at=row.created_at,
        processed_at=row.processed_at,
        finished_at=row.finished_at,
        due_at=row.due_at,
        failed_reason=last_line(traceback)
        if state in {JobState.FAILED, JobState.STOPPED}
        else None,
        problems=(*row.problems, *problems),
        options=meta,
        return_value=return_value,
        stacktrace=(traceback,) if traceback else (),
        worker=text(fields.get("worker_name")) or None,
        parent=JobRef(backend, queue, dependencies[0]) if len(dependencies) == 1 else None,
        children=tuple(JobRef(backend, queue, dependent) for dependent in dependents),
        extra=extra,
    )


def _dependency_ids(fields: Fields) -> list[str]:
    from .. import untrusted

    raw = text(fields.get("dependency_ids"))
    if raw:
        try:
            value = untrusted.loads(raw)
        except ValueError:
            value = None
        if isinstance(value, list):
            return [str(item) for item in value]
    single = text(fields.get("dependency_id"))
    return [single] if single else []


def _results(
    results: Sequence[tuple[str, Mapping[str, bytes]]], serializer: str
) -> tuple[list[str], Payload, str | None]:
    """(one line per result, newest first; the newest return value; the newest traceback)."""
    lines: list[str] = []
    return_value, traceback = _EMPTY, None
    for entry_id, entry in results:
        kind = RESULT_TYPES.get(text(entry.get("type")) or "", text(entry.get("type")) or "?")
        at = stamp(_ms(entry_id))
        worker = text(entry.get("worker_name")) or "-"
        lines.append(f"{at.isoformat() if at else entry_id} {kind} ({worker})")
        if return_value.is_empty and entry.get("return_value"):
            return_value = serialized(b64(entry.get("return_value")), serializer)
        if traceback is None and entry.get("exc_string"):
            traceback, _problem = exc_text(b64(entry.get("exc_string")))
    return lines, return_value, traceback


def _ms(entry_id: str) -> float | None:
    head = entry_id.split("-", 1)[0]
    return int(head) / 1000 if head.isdigit() else None


def _extra(
    fields: Fields,
    serializer: str,
    dependents: Sequence[str],
    history: Sequence[str],
    meta: Payload,
    ttl: int,
) -> tuple[tuple[str, str], ...]:
    rows: list[tuple[str, str]] = []

    def add(label: str, value: str | None) -> None:
        if value:
            rows.append((label, value))

    add(_("Description"), text(fields.get("description")))
    add(_("RQ status"), text(fields.get("status")))
    add(_("Origin queue"), text(fields.get("origin")))
    add(_("Serializer"), serializer)
    add(_("Enqueued at"), text(fields.get("enqueued_at")))
    add(_("Last heartbeat"), text(fields.get("last_heartbeat")))
    add(_("Timeout (s)"), text(fields.get("timeout")))
    add(_("Result TTL (s)"), text(fields.get("result_ttl")))
    add(_("Failure TTL (s)"), text(fields.get("failure_ttl")))
    add(_("TTL (s)"), text(fields.get("ttl")))
    if ttl >= 0:
        add(_("Record expires in (s)"), str(ttl))
    add(_("Retries left"), text(fields.get("retries_left")))
    add(_("Retry intervals (s)"), text(fields.get("retry_intervals")))
    add(_("Depends on"), ", ".join(_dependency_ids(fields)))
    add(_("Dependents"), ", ".join(dependents))
    add(_("Group"), text(fields.get("group_id")))
    if meta.opaque:
        add(_("Meta"), meta.text)
    add(_("Results"), "; ".join(history))
    return tuple(rows)
