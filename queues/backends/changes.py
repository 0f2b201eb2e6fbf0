"""A backend's change feed: what changed in its queues, in events that name no backend.

A backend that can follow its server's changes cheaply (BullMQ's event streams) returns a feed
from ``QueueBackend.change_feed``: an async iterator of *batches*, each a sequence of the
events below that happened together. The board's live updates render each batch once and send
one update per queue and batch to the viewers. A backend without a feed returns None and is
polled through its reads instead (``queues/live/poller.py``).

The contract of a feed:

- Its first batch gives every visible queue's counts (a ``CountsMoved`` each): the snapshot
  the viewers' pages are brought up to date from.
- Then, as changes happen: ``JobMoved`` when a job entered a state (or left every list),
  ``JobProgressed`` when a job reported progress, ``JobLogged`` when a job the viewers watch
  wrote log lines, ``CountsMoved`` when a queue's counts may have changed, ``QueueAppeared``
  when a queue not seen before shows up. Sending a queue's counts again, unchanged, is fine
  (the board only forwards changes); a feed re-reads them now and then, since events get lost.
- Hidden queues (``is_queue_hidden``) are left out.
- When the server fails, the iterator raises ``BackendError`` (``BackendUnavailable``); the
  board opens a new feed after a backoff, and tells the viewers they may have missed changes.
- A feed asks ``Watched`` which queues and jobs the viewers have open: it may follow those
  more closely (log lines, queues created since it last listed them).

Nothing in a feed renders anything or knows of WebSockets; events carry only data, every text
in them untrusted (from the jobs).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..states import JobState
from .types import QueueSummary


@dataclass(frozen=True)
class JobMoved:
    """Job ``job_id`` of ``queue`` entered a state.

    ``states``: the states it may be in now, when the backend cannot tell some apart (one
    state mostly); empty when it left every list (removed).
    """

    queue: str
    job_id: str
    states: tuple[JobState, ...]


@dataclass(frozen=True)
class JobProgressed:
    """Job ``job_id`` of ``queue`` reported progress: ``progress`` as stored (JSON text)."""

    queue: str
    job_id: str
    progress: str | bytes


@dataclass(frozen=True)
class JobLogged:
    """Job ``job_id`` of ``queue`` (one the viewers watch) has new log lines."""

    queue: str
    job_id: str


@dataclass(frozen=True)
class CountsMoved:
    """A queue's counts (and paused flag, problem, badges) as read now."""

    summary: QueueSummary


@dataclass(frozen=True)
class QueueAppeared:
    """A queue the feed had not seen before, with its counts."""

    summary: QueueSummary


ChangeEvent = JobMoved | JobProgressed | JobLogged | CountsMoved | QueueAppeared
#: What ``QueueBackend.change_feed`` returns: batches of events that happened together.
ChangeFeed = AsyncIterator[Sequence[ChangeEvent]]


class Watched(Protocol):
    """What the viewers of one backend have open, as the board tells its feed."""

    def queues(self) -> set[str]:
        """Queues whose pages are open."""
        ...

    def jobs(self) -> set[tuple[str, str]]:
        """(queue, job id) of the job pages open."""
        ...

    def flows(self) -> set[str]:
        """Queues followed for the flow trees of the job pages open (also in ``queues``)."""
        ...


@dataclass(frozen=True)
class FeedOptions:
    """Timings and bounds of a feed (from ``QUEUEBOARD["LIVE"]``, validated by the checks)."""

    #: Longest wait for the server in one read.
    block: float = 1.0
    #: Least time between two batches while events arrive.
    flush_interval: float = 0.05
    #: Every queue's counts are read again this often.
    resync: float = 5.0
    #: Watched queues and jobs are looked at this often (log lines, new queues).
    poll: float = 1.0
    #: Most events read from the server in one read.
    read_count: int = 500
