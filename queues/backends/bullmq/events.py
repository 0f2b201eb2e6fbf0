"""What BullMQ's events say about job states, as the reader accumulates them between flushes.

A ``waiting`` event does not tell waiting from prioritized (or a legacy paused list), so it
counts as entering all three; counts are always read back from Redis, never derived.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...states import JobState

#: The states a job may be in after each event; an empty tuple means it left every list.
ENTERS: dict[str, tuple[JobState, ...]] = {
    "waiting": (JobState.WAITING, JobState.PRIORITIZED, JobState.PAUSED),
    "delayed": (JobState.DELAYED,),
    "active": (JobState.ACTIVE,),
    "completed": (JobState.COMPLETED,),
    "failed": (JobState.FAILED,),
    "waiting-children": (JobState.WAITING_CHILDREN,),
    "removed": (),
}
#: Events that change no count.
COUNTLESS = frozenset({"progress", "duplicated", "deduplicated", "retries-exhausted", "added"})


@dataclass
class QueueEvents:
    """What happened to one queue since the last flush."""

    counts_dirty: bool = False
    #: job id -> the states it may be in now (the last event wins).
    moved: dict[str, tuple[JobState, ...]] = field(default_factory=dict)
    #: job id -> the newest progress data, as stored (JSON text).
    progress: dict[str, bytes] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.counts_dirty or self.moved or self.progress)

    def entered(self) -> dict[JobState, list[str]]:
        """Job ids per state they entered, in event order."""
        result: dict[JobState, list[str]] = {}
        for job_id, states in self.moved.items():
            for state in states:
                result.setdefault(state, []).append(job_id)
        return result


def fold(batch: QueueEvents, fields: dict[bytes, bytes]) -> str | None:
    """Add one stream entry to ``batch``; returns the job id it concerns, if any."""
    name = fields.get(b"event", b"").decode("utf-8", "replace")
    raw_id = fields.get(b"jobId")
    job_id = raw_id.decode("utf-8", "replace") if raw_id is not None else None
    if name not in COUNTLESS:
        batch.counts_dirty = True
    if job_id is None:
        return None
    if name == "progress":
        batch.progress[job_id] = fields.get(b"data") or b""
    elif name in ENTERS:
        batch.moved.pop(job_id, None)  # keep event order: re-insert at the end
        batch.moved[job_id] = ENTERS[name]
    return job_id
