"""BullMQ's Redis key names: one queue's keys, the state keys, and parsing job keys."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ...states import JobState

KeyType = Literal["list", "zset"]

#: Each state's key suffix and Redis type, in display order.
STATE_KEYS: dict[JobState, tuple[str, KeyType]] = {
    JobState.ACTIVE: ("active", "list"),
    JobState.WAITING: ("wait", "list"),
    JobState.PRIORITIZED: ("prioritized", "zset"),
    JobState.WAITING_CHILDREN: ("waiting-children", "zset"),
    JobState.DELAYED: ("delayed", "zset"),
    JobState.PAUSED: ("paused", "list"),
    JobState.COMPLETED: ("completed", "zset"),
    JobState.FAILED: ("failed", "zset"),
}

#: Whether a state's natural order reads its key from the highest score / the list head.
NEWEST_FIRST: dict[JobState, bool] = {
    JobState.ACTIVE: True,  # lists: LPUSH puts the newest at the head
    JobState.WAITING: True,
    JobState.PAUSED: True,
    JobState.PRIORITIZED: False,  # lowest score is served first
    JobState.DELAYED: False,  # soonest due first
    JobState.WAITING_CHILDREN: True,
    JobState.COMPLETED: True,  # score = finishedOn
    JobState.FAILED: True,
}

#: The delayed zset's score is ``due_ms * DELAY_FACTOR + sequence``.
DELAY_FACTOR = 0x1000
#: The prioritized zset's score is ``priority * PRIORITY_FACTOR + counter``.
PRIORITY_FACTOR = 2**32


@dataclass(frozen=True)
class QueueKeys:
    """The keys of queue ``name`` under ``prefix`` (``bull:Q:…``)."""

    prefix: str
    name: str

    @property
    def base(self) -> str:
        return f"{self.prefix}:{self.name}:"

    def key(self, suffix: str) -> str:
        return self.base + suffix

    def state(self, state: JobState) -> str:
        return self.base + STATE_KEYS[state][0]

    def job(self, job_id: str) -> str:
        return self.base + job_id

    def job_part(self, job_id: str, part: str) -> str:
        return f"{self.base}{job_id}:{part}"


def glob_escape(text: str) -> str:
    """Escape Redis glob metacharacters so ``text`` matches itself in SCAN MATCH."""
    return "".join("\\" + char if char in "*?[]\\" else char for char in text)


def split_job_key(key: str, prefix: str, known_queues: Iterable[str]) -> tuple[str, str] | None:
    """Split ``<prefix>:<queue>:<id>`` into (queue, id).

    Queue names may contain ``:`` (the Python client allows it) and so may ids, so the longest
    known queue name wins; otherwise the first ``:`` separates them (Node forbids ``:`` in names).
    Keys under another prefix come back with the prefix kept in the queue name.
    """
    head = prefix + ":"
    if not key.startswith(head):
        queue, sep, job_id = key.rpartition(":")
        return (queue, job_id) if sep and queue and job_id else None
    rest = key[len(head) :]
    best = max(
        (
            name
            for name in known_queues
            if rest.startswith(name + ":") and len(rest) > len(name) + 1
        ),
        key=len,
        default=None,
    )
    if best is not None:
        return best, rest[len(best) + 1 :]
    queue, sep, job_id = rest.partition(":")
    return (queue, job_id) if sep and queue and job_id else None
