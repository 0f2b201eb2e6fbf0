"""Parse and validate query parameters into backend queries; bad values become 400s."""

from __future__ import annotations

from django.http import QueryDict

from ..backends.base import QueueBackend
from ..backends.types import JobQuery, QueueSummary
from ..conf import setting
from ..states import JobState


class BadRequest(ValueError):
    """A parameter the user sent is malformed; the message says which and why."""


def _positive_int(params: QueryDict, name: str, default: int, maximum: int | None = None) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be a whole number, not {raw!r}.") from None
    if value < 1:
        raise BadRequest(f"{name} must be 1 or more.")
    if maximum is not None and value > maximum:
        raise BadRequest(f"{name} must be at most {maximum}.")
    return value


def default_state(backend: QueueBackend, summary: QueueSummary | None) -> JobState:
    """The first state holding jobs, in display order, else the backend's first state."""
    if summary is not None:
        for state in backend.states:
            if summary.counts.get(state):
                return state
    return backend.states[0]


def job_query(
    params: QueryDict, backend: QueueBackend, queue: str, summary: QueueSummary | None = None
) -> JobQuery:
    raw_state = params.get("state")
    if raw_state:
        try:
            state = JobState.parse(raw_state)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        if state not in backend.states:
            raise BadRequest(f"Backend {backend.alias!r} has no {state.value!r} state.")
    else:
        state = default_state(backend, summary)
    max_page_size = int(setting("MAX_PAGE_SIZE"))
    per_page = _positive_int(params, "per_page", int(setting("PAGE_SIZE")), max_page_size)
    page = _positive_int(params, "page", 1, maximum=10**9)
    return JobQuery(queue=queue, state=state, page=page, per_page=per_page)


_UNITS = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
CLEANABLE = (JobState.COMPLETED, JobState.FAILED, JobState.DELAYED, JobState.WAITING)
RETRYABLE = (JobState.FAILED, JobState.COMPLETED)


def parse_grace(raw: str | None) -> int:
    """``"90"``, ``"90s"``, ``"15m"``, ``"1h"``, ``"2d"``, ``"1w"`` → milliseconds."""
    if raw in (None, ""):
        return 0
    text = str(raw).strip().lower()
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = text[len(number) :]
    try:
        value = float(number)
    except ValueError:
        value = -1.0
    if unit not in _UNITS or value < 0 or value != value or value > 10**8:
        raise BadRequest(f"grace must be an age such as 90s, 15m, 1h or 2d, not {raw!r}.")
    return int(value * _UNITS[unit] * 1000)


def parse_limit(raw: str | None) -> int | None:
    if raw in (None, "", "0"):
        return None
    try:
        value = int(str(raw))
    except ValueError:
        raise BadRequest(f"limit must be a whole number, not {raw!r}.") from None
    if value < 0:
        raise BadRequest("limit must be 0 (no limit) or more.")
    return value


def action_state(raw: str | None, allowed: tuple[JobState, ...], default: JobState) -> JobState:
    if raw in (None, ""):
        return default
    try:
        state = JobState.parse(str(raw))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    if state not in allowed:
        names = ", ".join(s.value for s in allowed)
        raise BadRequest(f"This action takes a state among {names}, not {state.value!r}.")
    return state
