"""What backends are asked to do and what they answer: the vocabulary of actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..language import Text
from ..states import JobState


class JobAction(StrEnum):
    """Actions on chosen jobs (one, or a selection)."""

    RETRY = "retry"
    PROMOTE = "promote"
    REMOVE = "remove"
    #: Withdraw a job that has not started (RQ's cancel: kept, in its own state).
    CANCEL = "cancel"
    #: Stop a running job (RQ's stop command to the worker running it).
    STOP = "stop"


class QueueAction(StrEnum):
    """Actions on a whole queue or a whole state of it."""

    RETRY_ALL = "retry-all"
    PROMOTE_ALL = "promote-all"
    CLEAN = "clean"
    EMPTY = "empty"
    PAUSE = "pause"
    RESUME = "resume"
    #: The failed jobs of one failure group (``params.group``; ``queues.failure_groups``).
    RETRY_GROUP = "retry-group"
    REMOVE_GROUP = "remove-group"
    #: Delete the queue with every job, in batches (``params.force``: even with active jobs).
    OBLITERATE = "obliterate"
    #: Every worker of the server stops taking jobs, in all queues (RQ's ``rq suspend``; for
    #: backends without a per-queue pause), and takes them again.
    SUSPEND_WORKERS = "suspend-workers"
    RESUME_WORKERS = "resume-workers"
    #: Replay a dead-letter queue's jobs into their original queues, in batches
    #: (``queues.dead_letters``).
    REPLAY_DEAD_LETTERS = "replay-dead-letters"


@dataclass(frozen=True)
class QueueActionParams:
    """Parameters of a queue action.

    ``state``: the state retried (failed or completed) or cleaned. ``grace_ms``: only jobs older
    than this are cleaned. ``limit``: at most this many jobs in all (None: no limit).
    ``cutoff_ms``: a bulk retry touches only jobs that finished before the run started, so jobs
    failing again meanwhile are not retried in a loop.
    """

    state: JobState | None = None
    grace_ms: int = 0
    limit: int | None = None
    cutoff_ms: int | None = None
    #: List the ids each batch moved in ``done_ids`` (costs a read; bulk runs only count).
    report_ids: bool = False
    #: The failure group's key, for RETRY_GROUP and REMOVE_GROUP.
    group: str | None = None
    #: OBLITERATE: go on when jobs are active (their workers lose them).
    force: bool = False


@dataclass(frozen=True)
class Skip:
    """A job left alone, and why (it moved on, vanished, or is running)."""

    job_id: str
    reason: Text  # lazy: shown in the viewer's language, recorded in English
    state: JobState | None = None
    missing: bool = False
    #: The schedule the job is the next run of, when that is why it was left alone.
    schedule: str | None = None


@dataclass
class ActionOutcome:
    """What one action, or one batch of a bulk action, did."""

    done: int = 0
    done_ids: list[str] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    failed: list[Skip] = field(default_factory=list)
    #: For a batch: False while more jobs remain.
    finished: bool = True

    def add(self, other: ActionOutcome) -> None:
        self.done += other.done
        self.done_ids.extend(other.done_ids)
        self.skipped.extend(other.skipped)
        self.failed.extend(other.failed)
        self.finished = other.finished


#: The capability flag (``supports_<name>``) each action needs.
CAPABILITY_FOR: dict[JobAction | QueueAction, str] = {
    JobAction.RETRY: "retry",
    JobAction.PROMOTE: "promote",
    JobAction.REMOVE: "remove",
    QueueAction.RETRY_ALL: "retry",
    QueueAction.PROMOTE_ALL: "promote",
    QueueAction.CLEAN: "clean",
    QueueAction.EMPTY: "empty",
    QueueAction.PAUSE: "pause",
    QueueAction.RESUME: "pause",
    QueueAction.RETRY_GROUP: "retry",
    QueueAction.REMOVE_GROUP: "remove",
    QueueAction.OBLITERATE: "obliterate",
    JobAction.CANCEL: "cancel",
    JobAction.STOP: "stop",
    QueueAction.SUSPEND_WORKERS: "suspend",
    QueueAction.RESUME_WORKERS: "suspend",
    QueueAction.REPLAY_DEAD_LETTERS: "replay_dead_letters",
}
