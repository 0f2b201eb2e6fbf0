"""Parse and validate query parameters into backend queries; bad values become 400s."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

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
        message = _("{name} must be a whole number, not {value}.")
        raise BadRequest(format_lazy(message, name=name, value=repr(raw))) from None
    if value < 1:
        raise BadRequest(format_lazy(_("{name} must be 1 or more."), name=name))
    if maximum is not None and value > maximum:
        message = _("{name} must be at most {n}.")
        raise BadRequest(format_lazy(message, name=name, n=maximum))
    return value


def default_state(backend: QueueBackend, summary: QueueSummary | None) -> JobState:
    """The first state holding jobs, in display order, else the backend's first state."""
    if summary is not None:
        for state in backend.states:
            if summary.counts.get(state):
                return state
    return backend.states[0]


def job_query(
    params: QueryDict,
    backend: QueueBackend,
    queue: str,
    summary: QueueSummary | None = None,
    per_page_default: int | None = None,
) -> JobQuery:
    """``per_page_default``: the jobs per page without ``?per_page=`` (the browser's setting,
    already within ``MAX_PAGE_SIZE``); None: ``PAGE_SIZE``."""
    raw_state = params.get("state")
    if raw_state:
        try:
            state = JobState.parse(raw_state)
        except ValueError as exc:
            raise BadRequest(exc.args[0]) from None
        if state not in backend.states:
            message = _("Backend {backend} has no {state} state.")
            raise BadRequest(
                format_lazy(message, backend=repr(backend.alias), state=repr(state.value))
            )
    else:
        state = default_state(backend, summary)
    max_page_size = int(setting("MAX_PAGE_SIZE"))
    default = min(per_page_default or int(setting("PAGE_SIZE")), max_page_size)
    per_page = _positive_int(params, "per_page", default, max_page_size)
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
        message = _("Backend {backend} cannot search its jobs.")
        raise BadRequest(format_lazy(message, backend=repr(backend.alias)))
    longest = int(setting("SEARCH_MAX_CHARS"))
    if len(text) > longest:
        message = _("The search text has at most {n} characters.")
        raise BadRequest(format_lazy(message, n=longest))
    if "\x00" in text:  # PostgreSQL refuses NUL in text; JSON stores it escaped (\u0000)
        raise BadRequest(_("The search text cannot hold a NUL character."))
    return text


def job_id(params: QueryDict) -> str:
    """The job id typed into the queue page's "Open job" box (spaces around it dropped)."""
    value = (params.get("id") or "").strip()
    if not value:
        raise BadRequest(_("Type the id of a job to open."))
    if len(value) > FIND_JOB_MAX:
        message = _("A job id has at most {n} characters.")
        raise BadRequest(format_lazy(message, n=FIND_JOB_MAX))
    return value
