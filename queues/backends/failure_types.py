"""What a backend gives for failure groups: the raw failed jobs of a bounded window."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class FailedRow:
    """One failed job as the grouping needs it; every text is untrusted (from the job)."""

    job_id: str
    name: str
    failed_at: datetime | None
    #: ``"ExceptionClass: message"`` (or the message alone when the class is unknown).
    reason: str
    #: The frame the exception was raised in ("" when there is no stack).
    top_frame: str = ""


@dataclass(frozen=True)
class FailedWindow:
    """The newest failed jobs, newest first, up to a bound.

    ``complete``: every failed job (failed before ``before_ms``, when given) is in ``rows``.
    """

    rows: list[FailedRow] = field(default_factory=list)
    complete: bool = True
