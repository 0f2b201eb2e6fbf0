"""Plain dataclasses that backends return; views and templates see nothing else."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..states import JobState
from . import untrusted

_NOT_JSON = object()


@dataclass(frozen=True)
class Payload:
    """A value a job carries (data, options, return value, progress), kept as it was stored.

    ``text`` is the stored value decoded as UTF-8 (undecodable bytes replaced), ``size`` the
    number of bytes stored. ``value`` is the parsed JSON when the text is valid JSON.
    """

    text: str
    size: int
    utf8: bool = True
    value: Any = field(default=_NOT_JSON, compare=False, repr=False)

    @classmethod
    def from_stored(cls, stored: bytes | str | None, *, parse_limit: int | None = None) -> Payload:
        if stored is None:
            return cls(text="", size=0)
        if isinstance(stored, str):
            raw = stored.encode("utf-8", "surrogatepass")
            text, utf8 = stored, True
        else:
            raw = stored
            try:
                text, utf8 = raw.decode("utf-8"), True
            except UnicodeDecodeError:
                text, utf8 = raw.decode("utf-8", "replace"), False
        value: Any = _NOT_JSON
        if utf8 and (parse_limit is None or len(raw) <= parse_limit):
            try:
                value = untrusted.loads(text)
            except ValueError:
                value = _NOT_JSON
        return cls(text=text, size=len(raw), utf8=utf8, value=value)

    @classmethod
    def from_value(cls, value: Any) -> Payload:
        """Wrap a Python value already decoded (an ORM JSON field)."""
        text = json.dumps(value, ensure_ascii=False, default=str)
        return cls(text=text, size=len(text.encode()), value=value)

    @property
    def is_empty(self) -> bool:
        return self.size == 0

    @property
    def is_json(self) -> bool:
        return self.value is not _NOT_JSON

    @property
    def problem(self) -> str | None:
        """Why the value cannot be shown as JSON, or ``None``."""
        if self.is_empty:
            return None
        if not self.utf8:
            return "The stored value is not valid UTF-8; undecodable bytes are shown as \ufffd."
        if not self.is_json:
            return "The stored value is not valid JSON (or too large to parse); shown as text."
        return None

    def preview(self, chars: int) -> str:
        """A one-line excerpt of at most ``chars`` characters."""
        flat = " ".join(self.text[: chars * 2].split())
        return flat if len(flat) <= chars else flat[: max(chars - 1, 0)] + "\u2026"

    def pretty(self, cap: int) -> tuple[str, bool]:
        """Indented JSON (or the raw text) cut at ``cap`` characters; returns (text, truncated)."""
        if self.is_json and self.size <= cap:
            text = json.dumps(self.value, indent=2, ensure_ascii=False)
        else:
            text = self.text
        if len(text) > cap:
            return text[:cap], True
        return text, False

    def as_api(self, cap: int) -> Any:
        """The value for the JSON API: parsed JSON, or the (capped) text with flags."""
        if self.is_empty:
            return None
        if self.is_json and self.size <= cap:
            return self.value
        return {
            "raw": self.text[:cap],
            "truncated": len(self.text) > cap,
            "size": self.size,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class QueueSummary:
    backend: str
    name: str
    counts: dict[JobState, int]
    paused: bool = False
    problem: str | None = None  # e.g. the backend is unreachable

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class JobQuery:
    """One job list request; grows with filters without changing signatures."""

    queue: str
    state: JobState
    page: int = 1
    per_page: int = 20
    #: Search text: only jobs whose id, name, data or failure reason hold it (letters A-Z match
    #: either case); "" lists every job. Backends with ``supports_search`` honour it.
    text: str = ""
    #: A search reads at most this many jobs of the state, in the state's order.
    scan_limit: int = 10_000

    @property
    def start(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def stop(self) -> int:
        """Inclusive end index, as Redis ranges use."""
        return self.start + self.per_page - 1


@dataclass(frozen=True)
class JobRef:
    backend: str
    queue: str
    id: str
    state: JobState | None = None


@dataclass(frozen=True)
class JobSummary:
    backend: str
    queue: str
    id: str
    state: JobState
    name: str
    data: Payload
    progress: Payload
    attempts_made: int = 0
    attempts_allowed: int | None = None
    created_at: datetime | None = None
    processed_at: datetime | None = None
    finished_at: datetime | None = None
    due_at: datetime | None = None
    priority: int | None = None
    failed_reason: str | None = None
    problems: tuple[str, ...] = ()

    @property
    def progress_percent(self) -> float | None:
        """Progress as 0..100 when the job reports a number, else ``None``."""
        value = self.progress.value if self.progress.is_json else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(min(max(value, 0), 100))

    @property
    def duration_seconds(self) -> float | None:
        if self.processed_at and self.finished_at:
            return max((self.finished_at - self.processed_at).total_seconds(), 0.0)
        return None


@dataclass(frozen=True)
class JobDetail(JobSummary):
    options: Payload = field(default_factory=lambda: Payload(text="", size=0))
    return_value: Payload = field(default_factory=lambda: Payload(text="", size=0))
    stacktrace: tuple[str, ...] = ()
    logs: tuple[str, ...] = ()
    log_count: int = 0
    worker: str | None = None
    parent: JobRef | None = None
    children: tuple[JobRef, ...] = ()
    #: Backend-specific facts shown as "label: value" (task path, scheduler id, …).
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class WorkerInfo:
    """A worker connected to a queue: its name ("" when unnamed) and host, the connections it
    holds, how long the oldest has been open and how long the busiest has been idle."""

    name: str
    host: str
    connections: int
    age_seconds: int
    idle_seconds: int


@dataclass(frozen=True)
class SearchScope:
    """What a search read: the first ``scanned`` of the ``in_state`` jobs of the state."""

    scanned: int
    in_state: int
    #: Jobs read whose name, data or failure reason was too large to be searched.
    too_large: int = 0

    @property
    def complete(self) -> bool:
        return self.scanned >= self.in_state


@dataclass(frozen=True)
class JobPage:
    query: JobQuery
    jobs: list[JobSummary]
    #: Jobs in the list: in the state, or for a search the matches among the jobs it read.
    total: int
    #: Set for a search (``query.text``).
    searched: SearchScope | None = None

    @property
    def pages(self) -> int:
        return max((self.total + self.query.per_page - 1) // self.query.per_page, 1)

    @property
    def has_next(self) -> bool:
        return self.query.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.query.page > 1
