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
    #: The stored value's format when the board never decodes it (``"pickle"``): ``text`` is
    #: then a note saying so, never the value (``opaque``).
    opaque: str | None = None

    @classmethod
    def opaque_value(cls, size: int, kind: str, note: str) -> Payload:
        """A value kept opaque (a pickle: decoding it would run code): ``note`` says what it
        is and how large (``size`` bytes as stored)."""
        return cls(text=note, size=size, opaque=kind)

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
        if self.opaque:  # ``text`` says what it is
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
        if self.opaque:  # never decoded: what it is and its size, not its bytes
            return {"opaque": self.opaque, "size": self.size, "note": self.text}
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
    #: One of its schedules is overdue (its next run is past the grace period and its job has
    #: not started); backends without schedules leave it False.
    schedules_overdue: bool = False

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
class FlowNode:
    """One job of a flow's tree: its children are one page of them (``children_total`` in all,
    from ``children_offset``), or none below the tree's depth or size bound."""

    ref: JobRef
    name: str
    #: False when only the parent's record of the job is left (the job itself was removed).
    exists: bool = True
    children: tuple[FlowNode, ...] = ()
    children_total: int = 0
    children_offset: int = 0
    #: Shown outside its parent's page because the page's job is in it (or is it).
    pinned: bool = False
    #: The children past their page were not listed in key order (too many to sort).
    unordered: bool = False

    def queues(self) -> set[str]:
        """The queues of this job and of the jobs shown below it."""
        names = {self.ref.queue}
        for child in self.children:
            names |= child.queues()
        return names


@dataclass(frozen=True)
class FlowTree:
    """A job's whole flow, root first, as far as its bounds reach."""

    root: FlowNode
    #: The job whose page shows the tree.
    current: JobRef
    #: Children shown per job at most.
    per_node: int
    #: The root was not reached: the walk up stopped at its bound.
    root_beyond: bool = False
    #: Some jobs' children are not shown: the tree's depth or size bound was reached.
    cut: bool = False


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
    #: Runs begun (a job that stalled or was retried by hand may have begun more runs than
    #: ``attempts_made`` finished, or than ``attempts_allowed``); ``None`` when not known.
    attempts_started: int | None = None
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
    #: ``options`` under the library's API names, when the backend stores them otherwise
    #: (BullMQ's ``fpof`` is ``failParentOnFailure``); ``None`` when ``options`` already are.
    named_options: Payload | None = None
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
    holds, how long the oldest has been open and how long the busiest has been idle; and where
    the worker keeps a record of itself, its state, current job, heartbeat and counters."""

    name: str
    host: str
    connections: int = 0
    age_seconds: int = 0
    idle_seconds: int = 0
    #: What the worker says of itself, where it keeps a record (RQ's worker hashes); ``None``
    #: where it does not (BullMQ's are only connections).
    state: str | None = None
    current_job: str | None = None
    heartbeat_at: datetime | None = None
    pid: int | None = None
    successful: int | None = None
    failed: int | None = None
    working_seconds: float | None = None
    queues: tuple[str, ...] = ()

    @property
    def keeps_record(self) -> bool:
        """The worker reports its state and counters (not only its connections)."""
        return self.state is not None


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
    #: Why the state's jobs are not listed (a state the backend only counts; ``total`` is its
    #: count): the list says so instead of showing rows.
    unlisted: str | None = None

    @property
    def pages(self) -> int:
        return max((self.total + self.query.per_page - 1) // self.query.per_page, 1)

    @property
    def has_next(self) -> bool:
        return self.query.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.query.page > 1
