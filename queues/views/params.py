"""Parse and validate query parameters into backend queries; bad values become 400s."""

from __future__ import annotations

from django.http import QueryDict

from ..backends.base import QueueBackend
from ..backends.types import JobQuery, QueueSummary
from ..conf import setting
from ..errors import BadRequest
from ..states import JobState

__all__ = ["FIND_JOB_MAX", "BadRequest", "default_state", "job_id", "job_query"]

#: The longest job id the queue page's "Open job" box takes.
FIND_JOB_MAX = 1000


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
    return JobQuery(
        queue=queue,
        state=state,
        page=page,
        per_page=per_page,
        text=_search_text(params, backend),
        scan_limit=int(setting("SEARCH_SCAN_LIMIT")),
    )


def _search_text(params: QueryDict, backend: QueueBackend) -> str:
    text = (params.get("q") or "").strip()
    if not text:
        return ""
    if not backend.supports_search:
        raise BadRequest(f"Backend {backend.alias!r} cannot search its jobs.")
    longest = int(setting("SEARCH_MAX_CHARS"))
    if len(text) > longest:
        raise BadRequest(f"The search text has at most {longest} characters.")
    if "\x00" in text:  # PostgreSQL refuses NUL in text; JSON stores it escaped (\u0000)
        raise BadRequest("The search text cannot hold a NUL character.")
    return text


def job_id(params: QueryDict) -> str:
    """The job id typed into the queue page's "Open job" box (spaces around it dropped)."""
    value = (params.get("id") or "").strip()
    if not value:
        raise BadRequest("Type the id of a job to open.")
    if len(value) > FIND_JOB_MAX:
        raise BadRequest(f"A job id has at most {FIND_JOB_MAX} characters.")
    return value
