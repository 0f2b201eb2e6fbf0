"""Failed jobs grouped by cause, for every backend with ``supports_failure_groups``.

A cause is the exception class and message with what varies from job to job folded (UUIDs,
e-mail addresses, quoted values, hex, numbers), the frame the exception was raised in breaking
ties. A group's key is a short hash of both, stable across reads, processes and releases of the
board as long as ``normalize`` is unchanged. Grouping reads a bounded window: the newest
``QUEUEBOARD["FAILURE_GROUPS_SCAN"]`` failed jobs of a queue, and says when it stopped there.

A group's retry or removal is a bulk run (``actions.bulk``) whose every batch reads the window
again, keeps the jobs of that cause which failed before the run started, and acts on them: a job
that failed again (or of another cause) meanwhile is left alone.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from .backends.actions import ActionOutcome, JobAction, QueueAction, QueueActionParams
from .backends.base import QueueBackend
from .backends.failure_types import FailedRow, FailedWindow
from .conf import setting

#: Characters of a cause kept (causes are shown and hashed; a long message is cut).
CAUSE_CHARS = 300
#: Job names listed per group.
NAMES_SHOWN = 10
GROUP_ACTIONS = {
    QueueAction.RETRY_GROUP: JobAction.RETRY,
    QueueAction.REMOVE_GROUP: JobAction.REMOVE,
}

#: What varies from job to job, in order of precedence (one pass: at each place the first that
#: matches wins, so a number inside an e-mail address or quotes goes with it).
_FOLDS: tuple[tuple[str, str], ...] = (
    (r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "<uuid>"),
    (r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", "<email>"),
    (r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|`[^`]*`|«[^»]*»|“[^”]*”", "<value>"),
    (r"\b0[xX][0-9a-fA-F]+\b", "<hex>"),
    (r"\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b", "<hex>"),
    (r"\d+(?:[.,:]\d+)*", "<n>"),
)
_FOLD = re.compile("|".join(f"({pattern})" for pattern, _placeholder in _FOLDS))
_PLACEHOLDERS = [placeholder for _pattern, placeholder in _FOLDS]
_SPACES = re.compile(r"\s+")


def _placeholder(match: re.Match[str]) -> str:
    return _PLACEHOLDERS[(match.lastindex or 1) - 1]


@lru_cache(maxsize=4096)  # frames, and many messages, repeat from job to job
def fold(text: str) -> str:
    """``"User 42 (bob@x.io) not found in 'eu-1'"`` → ``"User <n> (<email>) not found in
    <value>"``; whitespace collapsed."""
    folded = _FOLD.sub(_placeholder, _SPACES.sub(" ", text).strip())
    return folded[:CAUSE_CHARS]


def normalize(reason: str, top_frame: str) -> tuple[str, str]:
    """The cause (first line of the reason, folded) and the frame (folded) of a failure."""
    first_line = next((line for line in reason.splitlines() if line.strip()), "")
    return fold(first_line), fold(top_frame)


def group_key(cause: str, frame: str) -> str:
    """A short stable key of a normalized cause and frame (12 hex digits)."""
    return hashlib.sha256(f"{cause}\n{frame}".encode()).hexdigest()[:12]


def key_of(row: FailedRow) -> str:
    return group_key(*normalize(row.reason, row.top_frame))


@dataclass
class FailureGroup:
    key: str
    cause: str
    frame: str
    count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    #: The job names involved, most frequent first (``NAMES_SHOWN`` at most).
    job_names: list[str] = field(default_factory=list)
    #: The newest job of the group.
    sample_job_id: str = ""
    _names: dict[str, int] = field(default_factory=dict, repr=False)

    def add(self, row: FailedRow) -> None:
        self.count += 1
        if not self.sample_job_id:
            self.sample_job_id = row.job_id  # rows come newest first
        self._names[row.name] = self._names.get(row.name, 0) + 1
        if row.failed_at is not None:
            if self.first_seen is None or row.failed_at < self.first_seen:
                self.first_seen = row.failed_at
            if self.last_seen is None or row.failed_at > self.last_seen:
                self.last_seen = row.failed_at


@dataclass
class GroupedFailures:
    groups: list[FailureGroup]
    #: Failed jobs read.
    scanned: int
    #: Every failed job of the queue was read (the window was not full).
    complete: bool

    def find(self, key: str) -> FailureGroup | None:
        return next((g for g in self.groups if g.key == key), None)


def group_rows(window: FailedWindow) -> GroupedFailures:
    """The window's failures by cause, the largest group first (then the most recent)."""
    groups: dict[str, FailureGroup] = {}
    for row in window.rows:
        cause, frame = normalize(row.reason, row.top_frame)
        key = group_key(cause, frame)
        group = groups.get(key)
        if group is None:
            group = groups[key] = FailureGroup(key=key, cause=cause, frame=frame)
        group.add(row)
    for group in groups.values():
        ranked = sorted(group._names.items(), key=lambda item: (-item[1], item[0]))
        group.job_names = [name for name, _count in ranked[:NAMES_SHOWN]]
    ordered = sorted(
        groups.values(),
        key=lambda g: (-g.count, -(g.last_seen.timestamp() if g.last_seen else 0), g.key),
    )
    return GroupedFailures(groups=ordered, scanned=len(window.rows), complete=window.complete)


def scan_limit() -> int:
    return int(setting("FAILURE_GROUPS_SCAN"))


async def read_groups(
    backend: QueueBackend, queue: str, *, before_ms: int | None = None
) -> GroupedFailures:
    """The failure groups of the newest failed jobs of ``queue`` (one bounded read)."""
    window = await backend.failed_rows(queue, scan_limit(), before_ms=before_ms)
    return group_rows(window)


async def count_group(backend: QueueBackend, queue: str, params: QueueActionParams) -> int:
    """How many jobs a group run would touch now (for its confirmation and its record)."""
    found = await read_groups(backend, queue, before_ms=params.cutoff_ms)
    group = found.find(params.group or "")
    return group.count if group else 0


async def group_step(
    backend: QueueBackend,
    queue: str,
    action: QueueAction,
    params: QueueActionParams,
    batch_size: int,
) -> ActionOutcome:
    """One batch of a group run: read the window again (only jobs failed before the run
    started), keep those whose cause has the group's key now, act on up to ``batch_size``.

    Finished when the window held no more of them or the batch moved none (a job that cannot
    be moved is not tried forever)."""
    window = await backend.failed_rows(queue, scan_limit(), before_ms=params.cutoff_ms)
    ids = [row.job_id for row in window.rows if key_of(row) == params.group]
    if not ids:
        return ActionOutcome(finished=True)
    chosen = ids[: max(int(batch_size), 1)]
    outcome = await backend.act_on_jobs(queue, GROUP_ACTIONS[action], chosen, retry_completed=False)
    outcome.finished = outcome.done == 0 or (window.complete and len(ids) <= len(chosen))
    return outcome
