"""The job list of a state a backend counts but cannot list (``QueueBackend.counted_only``):
no rows, its count, and the backend's reason, for the queue page and the API alike."""

from __future__ import annotations

from .backends.base import QueueBackend
from .backends.types import JobPage, JobQuery, QueueSummary


def unlisted_page(backend: QueueBackend, query: JobQuery, summary: QueueSummary) -> JobPage | None:
    """The page to show for ``query`` when its state is only counted, else None (list it)."""
    reason = backend.unlisted_reason(query.state)
    if reason is None:
        return None
    total = summary.counts.get(query.state, 0)
    return JobPage(query=query, jobs=[], total=total, unlisted=str(reason))
