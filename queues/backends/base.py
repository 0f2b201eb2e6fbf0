"""The interface every queue backend implements, with the capabilities the pages obey."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from django.core import checks

from ..states import JobState
from .actions import CAPABILITY_FOR, ActionOutcome, JobAction, QueueAction, QueueActionParams
from .types import JobDetail, JobPage, JobQuery, QueueSummary, WorkerInfo

#: Keys every backend entry may carry next to BACKEND and OPTIONS.
COMMON_KEYS = frozenset(
    {"BACKEND", "OPTIONS", "LABEL", "READ_ONLY", "HIDDEN_QUEUES", "READ_ONLY_QUEUES"}
)


class QueueBackend(ABC):
    """A source of queues and jobs, configured by one entry of ``QUEUEBOARD_BACKENDS``."""

    #: The states this backend can hold, in display order.
    states: ClassVar[tuple[JobState, ...]] = ()
    #: Failed jobs (and completed ones where allowed) can be retried.
    supports_retry: ClassVar[bool] = False
    #: Completed jobs can be retried too.
    supports_retry_completed: ClassVar[bool] = False
    #: Delayed jobs can be run now.
    supports_promote: ClassVar[bool] = False
    #: Jobs can be removed.
    supports_remove: ClassVar[bool] = False
    #: Old jobs of a state can be cleaned by age.
    supports_clean: ClassVar[bool] = False
    #: Whole queues can be paused and resumed.
    supports_pause: ClassVar[bool] = False
    #: Waiting jobs can be removed in one go.
    supports_empty: ClassVar[bool] = False
    #: Jobs carry log lines.
    supports_logs: ClassVar[bool] = False
    #: Jobs report progress.
    supports_progress: ClassVar[bool] = False
    #: Jobs have parents and children (flows).
    supports_flows: ClassVar[bool] = False
    #: The workers attached to a queue can be listed.
    supports_workers: ClassVar[bool] = False
    #: Job lists can be searched by text (``JobQuery.text``).
    supports_search: ClassVar[bool] = False
    #: Option names this backend accepts in OPTIONS; anything else is a configuration error.
    option_names: ClassVar[frozenset[str]] = frozenset()
    #: A short name of the kind of backend, shown beside the queue name.
    kind: ClassVar[str] = "queue"

    def __init__(self, alias: str, params: Mapping[str, Any]) -> None:
        self.alias = alias
        self.params = params
        self.options: dict[str, Any] = dict(params.get("OPTIONS") or {})
        self.label: str = str(params.get("LABEL") or alias)
        self.read_only: bool = bool(params.get("READ_ONLY", False))
        self.hidden_queues: frozenset[str] = frozenset(params.get("HIDDEN_QUEUES") or ())
        self.read_only_queues: frozenset[str] = frozenset(params.get("READ_ONLY_QUEUES") or ())

    # -- reading ---------------------------------------------------------------------------------

    @abstractmethod
    async def list_queues(self) -> list[QueueSummary]:
        """Every queue with its counts per state, in as few round trips as the server allows."""

    @abstractmethod
    async def get_queue(self, name: str) -> QueueSummary:
        """One queue with its counts; raises ``QueueNotFound``."""

    @abstractmethod
    async def list_jobs(self, query: JobQuery) -> JobPage:
        """One page of a state's jobs in that state's natural order; raises ``QueueNotFound``."""

    @abstractmethod
    async def get_job(self, queue: str, job_id: str) -> JobDetail:
        """One job in full; raises ``QueueNotFound`` or ``JobNotFound``."""

    # -- acting (each raises NotImplementedError where the capability flag is False) ---------

    async def act_on_jobs(
        self, queue: str, action: JobAction, job_ids: list[str], *, retry_completed: bool = True
    ) -> ActionOutcome:
        """Retry, promote or remove these jobs, each atomically, in as few round trips as can be.

        A job that is missing, has moved to another state, or is running is skipped with the
        reason (and its current state); nothing is duplicated or lost. With ``retry_completed``
        False, a retry leaves completed jobs alone (skipped, their state ``COMPLETED``): the
        check is part of the atomic step, so a job completing meanwhile is not re-run.
        """
        raise NotImplementedError

    async def count_for(self, queue: str, action: QueueAction, params: QueueActionParams) -> int:
        """How many jobs ``action`` would touch now (for the confirmation)."""
        raise NotImplementedError

    async def queue_step(
        self, queue: str, action: QueueAction, params: QueueActionParams, batch_size: int
    ) -> ActionOutcome:
        """One atomic batch of a queue-wide action; ``finished`` is False while jobs remain.

        PAUSE and RESUME finish in one step.
        """
        raise NotImplementedError

    async def list_workers(self, queue: str) -> list[WorkerInfo]:
        """The workers connected to ``queue``; only backends with ``supports_workers``."""
        raise NotImplementedError(f"{type(self).__name__} cannot list workers.")

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections held for the running event loop."""

    # -- configuration ---------------------------------------------------------------------------

    def is_queue_hidden(self, queue: str) -> bool:
        return queue in self.hidden_queues

    def is_queue_read_only(self, queue: str) -> bool:
        return self.read_only or queue in self.read_only_queues

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        """System checks: unknown keys are errors; subclasses add reachability warnings."""
        messages: list[checks.CheckMessage] = []
        for key in sorted(set(self.params) - COMMON_KEYS):
            messages.append(self._error(f"Unknown key {key!r}.", "E002"))
        unknown = sorted(set(self.options) - self.option_names)
        for name in unknown:
            known = ", ".join(sorted(self.option_names)) or "none"
            messages.append(
                self._error(f"Unknown option {name!r} (known options: {known}).", "E003")
            )
        return messages

    def _error(self, message: str, code: str) -> checks.Error:
        return checks.Error(
            f"QUEUEBOARD_BACKENDS[{self.alias!r}]: {message}", id=f"queueboard.{code}"
        )

    def _warning(self, message: str, code: str) -> checks.Warning:
        return checks.Warning(
            f"QUEUEBOARD_BACKENDS[{self.alias!r}]: {message}", id=f"queueboard.{code}"
        )

    def supports(self, action: JobAction | QueueAction) -> bool:
        return bool(getattr(self, f"supports_{CAPABILITY_FOR[action]}"))

    def capabilities(self) -> dict[str, bool]:
        """Capability flags by name, for templates and the API."""
        return {name: bool(getattr(self, f"supports_{name}")) for name in CAPABILITY_NAMES}


CAPABILITY_NAMES: tuple[str, ...] = (
    "retry",
    "retry_completed",
    "promote",
    "remove",
    "clean",
    "pause",
    "empty",
    "logs",
    "progress",
    "flows",
    "workers",
    "search",
)


def ordered_counts(
    states: Iterable[JobState], counts: Mapping[JobState, int]
) -> dict[JobState, int]:
    """Counts for exactly ``states``, zero where missing, in display order."""
    return {state: int(counts.get(state, 0)) for state in states}
