"""The interface every queue backend implements, with the capabilities the pages obey."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from django.core import checks
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..language import Text
from ..states import JobState
from .actions import CAPABILITY_FOR, ActionOutcome, JobAction, QueueAction, QueueActionParams
from .applicability import DEFAULT_TABLE, ActionTable
from .changes import ChangeFeed, FeedOptions, Watched
from .failure_types import FailedWindow
from .health_types import HealthSample
from .history_types import FinishTimes, NativeThroughput
from .job_change_base import JOB_CHANGE_CAPABILITIES, JobChangesInterface
from .job_input import check_schemas
from .limit_types import LimitsInterface
from .metric_types import JobTotals
from .queue_display import DISPLAY_OPTION, check_queue_display
from .schedule_types import Schedule, ScheduleDetail, ScheduleEdit, SchedulePage
from .server_types import ServerDetailsInterface
from .types import (
    FlowTree,
    JobDetail,
    JobPage,
    JobQuery,
    JobSummary,
    QueueSummary,
    WorkerInfo,
)

#: Keys every backend entry may carry next to BACKEND and OPTIONS.
COMMON_KEYS = frozenset(
    {"BACKEND", "OPTIONS", "LABEL", "READ_ONLY", "HIDDEN_QUEUES", "READ_ONLY_QUEUES"}
)


class QueueBackend(JobChangesInterface, LimitsInterface, ServerDetailsInterface, ABC):
    """A source of queues and jobs, configured by one entry of ``QUEUEBOARD_BACKENDS``."""

    #: The states this backend can hold, in display order.
    states: ClassVar[tuple[JobState, ...]] = ()
    #: Those of ``states`` the backend can count but not list (Celery's broker messages): the
    #: overview and the tabs show their counts, their list says why there is none
    #: (``unlisted_reason``) and ``list_jobs`` is never asked for them.
    counted_only: ClassVar[frozenset[JobState]] = frozenset()
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
    #: Which queues no worker serves can be told for many queues at once (the overview's
    #: "no workers" badge); ``queues_without_workers``.
    supports_worker_presence: ClassVar[bool] = False
    #: Job lists can be searched by text (``JobQuery.text``).
    supports_search: ClassVar[bool] = False
    #: Recurring jobs (cron or interval schedules) can be listed and read.
    supports_schedules: ClassVar[bool] = False
    #: A schedule's next run can be started now (keeping the schedule's chain).
    supports_schedule_run_now: ClassVar[bool] = False
    #: A schedule's pattern or interval, time zone, limit, end date and data can be changed.
    supports_schedule_edit: ClassVar[bool] = False
    #: A schedule can be removed (with its next run).
    supports_schedule_remove: ClassVar[bool] = False
    #: The newest jobs of a queue across its states can be listed in one read (``list_latest``).
    supports_latest: ClassVar[bool] = False
    #: A queue can be deleted with all its jobs (``backends/obliterate.py``).
    supports_obliterate: ClassVar[bool] = False
    #: Completed and failed totals per queue can be read for many queues at once (the
    #: ``/metrics`` endpoint's ``bullmq_job_completed_total``); ``job_totals``.
    supports_job_totals: ClassVar[bool] = False
    #: A bounded health sample of a queue can be read (``health_sample``; ``queues.health``).
    supports_health: ClassVar[bool] = False
    #: Failed jobs can be read newest first with their cause (``failed_rows``), so they can be
    #: grouped by cause (``queues.failure_groups``).
    supports_failure_groups: ClassVar[bool] = False
    #: Jobs of dead-letter queues can be replayed into their original queues
    #: (``replay_dead_letters``, ``queues.dead_letters``).
    supports_replay_dead_letters: ClassVar[bool] = False
    #: Jobs not started yet can be canceled: kept, in the canceled state (RQ).
    supports_cancel: ClassVar[bool] = False
    #: A running job can be stopped (its worker is told to; RQ's stop command).
    supports_stop: ClassVar[bool] = False
    #: The server's workers can be suspended and resumed, in every queue at once (RQ has
    #: no per-queue pause); ``workers_suspended`` tells whether they are.
    supports_suspend: ClassVar[bool] = False
    #: The times of finished jobs can be read by id in one batch (``finish_times``), for the
    #: metrics history's wait and run times (``queues.history``).
    supports_finish_times: ClassVar[bool] = False
    #: The jobs finished since a moment can be read for all queues in one go
    #: (``recent_finishes``): a polled backend, whose changes name no job, gives its counts
    #: and wait and run times to the metrics history this way.
    supports_recent_finishes: ClassVar[bool] = False
    #: The queue's workers count finished jobs per minute themselves (``native_throughput``).
    supports_native_throughput: ClassVar[bool] = False
    #: Option names this backend accepts in OPTIONS; anything else is a configuration error.
    option_names: ClassVar[frozenset[str]] = frozenset()
    #: A short name of the kind of backend, shown beside the queue name.
    kind: ClassVar[str] = "queue"
    #: Which job actions apply in which state, and which states queue actions take their jobs
    #: from (``applicability``); a backend declares what differs from the defaults.
    action_table: ClassVar[ActionTable] = DEFAULT_TABLE

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

    # -- schedules (only backends with ``supports_schedules``; ``schedule_types``) -------------

    async def list_schedules(self, queue: str, start: int, stop: int) -> SchedulePage:
        """Schedules ``start`` to ``stop`` (inclusive) of ``queue``, soonest next run first, in
        a bounded number of round trips whatever their number; never changes anything."""
        raise NotImplementedError(f"{type(self).__name__} has no schedules.")

    async def get_schedule(self, queue: str, schedule_id: str) -> ScheduleDetail:
        """One schedule in full; raises ``QueueNotFound`` or ``ScheduleNotFound``."""
        raise NotImplementedError(f"{type(self).__name__} has no schedules.")

    async def run_schedule_now(self, queue: str, schedule_id: str) -> Schedule:
        """Start the schedule's next run now; ``ScheduleConflict`` when none is armed.
        Returns the schedule as it was before."""
        raise NotImplementedError(f"{type(self).__name__} cannot run schedules now.")

    async def edit_schedule(
        self, queue: str, schedule_id: str, edit: ScheduleEdit
    ) -> tuple[Schedule, Schedule]:
        """Change a schedule, keeping its template unless ``edit`` gives data; (before, after).
        ``InvalidSchedule`` before anything is written."""
        raise NotImplementedError(f"{type(self).__name__} cannot edit schedules.")

    async def remove_schedule(self, queue: str, schedule_id: str) -> Schedule:
        """Remove a schedule and its armed run; returns it as it was."""
        raise NotImplementedError(f"{type(self).__name__} cannot remove schedules.")

    async def get_flow(
        self, queue: str, job_id: str, *, per_node: int = 50, focus_page: int = 1
    ) -> FlowTree | None:
        """The whole flow ``job_id`` belongs to (None when it is in none), read level by
        level with at most ``per_node`` children per job; the page's own job shows page
        ``focus_page`` of its children. Only backends with ``supports_flows``."""
        raise NotImplementedError(f"{type(self).__name__} has no flows.")

    async def list_latest(self, queue: str, limit: int) -> list[JobSummary]:
        """The ``limit`` newest jobs of ``queue`` across its states, newest (by creation)
        first, from a bounded read; only backends with ``supports_latest``."""
        raise NotImplementedError(f"{type(self).__name__} cannot list the latest jobs.")

    async def failed_rows(
        self, queue: str, limit: int, *, before_ms: int | None = None
    ) -> FailedWindow:
        """The newest ``limit`` failed jobs of ``queue`` (only those failed at or before
        ``before_ms`` when given), newest first, in a bounded number of round trips; raises
        ``QueueNotFound``. Only backends with ``supports_failure_groups``."""
        raise NotImplementedError(f"{type(self).__name__} cannot group failures.")

    async def list_workers(self, queue: str) -> list[WorkerInfo]:
        """The workers connected to ``queue``; only backends with ``supports_workers``."""
        raise NotImplementedError(f"{type(self).__name__} cannot list workers.")

    async def queues_without_workers(self, queues: Iterable[str]) -> set[str]:
        """Those of ``queues`` no worker is connected to, from one read for all of them (kept
        briefly); ``WorkersUnavailable`` when the server refuses to say. Only backends with
        ``supports_worker_presence``."""
        raise NotImplementedError(f"{type(self).__name__} cannot tell queues without workers.")

    async def job_totals(self, queues: Sequence[str]) -> dict[str, JobTotals]:
        """Completed and failed totals of ``queues`` from one read for all of them. Only
        backends with ``supports_job_totals``."""
        raise NotImplementedError(f"{type(self).__name__} keeps no job totals.")

    async def health_sample(self, queue: str, *, sample: int, payload_bytes: int) -> HealthSample:
        """What the health check needs of ``queue``, read from at most ``sample`` newest jobs
        per state in a bounded number of round trips; payloads over ``payload_bytes`` are
        counted. Only backends with ``supports_health``."""
        raise NotImplementedError(f"{type(self).__name__} has no health check.")

    #: States whose lists show the newest job first: live updates insert the rows of jobs
    #: entering them at the top (lists ordered by due time or priority only say "N new").
    newest_first: ClassVar[frozenset[JobState]] = frozenset(
        {JobState.WAITING, JobState.ACTIVE, JobState.COMPLETED, JobState.FAILED}
    )

    def change_feed(self, watched: Watched, options: FeedOptions) -> ChangeFeed | None:
        """This backend's change events as an async iterator of batches (``changes``), or
        None: without a feed, live updates poll ``list_queues``, the first pages of the queues
        viewers have open and their open jobs (``queues/live/poller.py``)."""
        return None

    async def finish_times(
        self, jobs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], FinishTimes]:
        """The times of those of ``jobs`` ((queue, job id) pairs, of any queues) that are still
        there and finished, from one read for all of them. Only backends with
        ``supports_finish_times``."""
        raise NotImplementedError(f"{type(self).__name__} cannot read finish times.")

    async def recent_finishes(
        self, since_ms: int, limit: int
    ) -> list[tuple[str, JobState, FinishTimes]]:
        """(queue, state, times) of at most ``limit`` jobs of any queue that finished after
        ``since_ms`` (whole ms), oldest first, from one read. Only backends with
        ``supports_recent_finishes``."""
        raise NotImplementedError(f"{type(self).__name__} cannot read recent finishes.")

    async def native_throughput(self, queue: str, minutes: int) -> NativeThroughput | None:
        """The queue workers' own per-minute counts of the last ``minutes`` minutes, or None
        when they keep none. Only backends with ``supports_native_throughput``."""
        raise NotImplementedError(f"{type(self).__name__} keeps no throughput of its own.")

    async def close(self) -> None:
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
        unknown = sorted(set(self.options) - self.option_names - {DISPLAY_OPTION})
        for name in unknown:
            known = ", ".join(sorted(self.option_names)) or "none"
            messages.append(
                self._error(f"Unknown option {name!r} (known options: {known}).", "E003")
            )
        messages += [self._error(problem, "E005") for problem in check_schemas(self)]
        messages += [self._error(problem, "E041") for problem in check_queue_display(self)]
        return messages

    def _error(self, message: str, code: str) -> checks.Error:
        return checks.Error(
            f"QUEUEBOARD_BACKENDS[{self.alias!r}]: {message}", id=f"queueboard.{code}"
        )

    def _warning(self, message: str, code: str) -> checks.Warning:
        return checks.Warning(
            f"QUEUEBOARD_BACKENDS[{self.alias!r}]: {message}", id=f"queueboard.{code}"
        )

    # -- dead-letter queues (``queues.dead_letters``; ``supports_replay_dead_letters``) --------

    async def originals_exist(self, refs: Sequence[tuple[str, str]]) -> list[bool]:
        """Whether each (queue, job id) still exists, in one round trip."""
        raise NotImplementedError

    async def count_dead_letters(self, queue: str) -> int:
        """How many jobs of the dead-letter queue ``queue`` a replay of it would take up."""
        raise NotImplementedError

    async def dead_letter_ids(self, queue: str, offset: int, size: int) -> list[str]:
        """Up to ``size`` replayable job ids of ``queue`` after the first ``offset``."""
        raise NotImplementedError

    async def replay_dead_letters(
        self, queue: str, job_ids: list[str], refuse: Callable[[str], Awaitable[Any]]
    ) -> ActionOutcome:
        """Add each dead-letter job anew to its original queue, then remove it; ``await
        refuse(queue)`` says why nothing may be added to that queue (a sentence; None: it may)."""
        raise NotImplementedError

    @property
    def sees_finishes(self) -> bool:
        """Whether the board can tell jobs finishing (it holds finished or failed jobs), so
        that the throughput and latency history has anything to show."""
        return JobState.COMPLETED in self.states or JobState.FAILED in self.states

    def unlisted_reason(self, state: JobState) -> Text | None:
        """Why the jobs of ``state`` are counted but not listed (a sentence), or None when
        they are listed; backends with ``counted_only`` states say it in their own words."""
        if state not in self.counted_only:
            return None
        return format_lazy(
            _("{backend} counts these jobs but cannot list them."), backend=self.label
        )

    def unlisted_page(self, query: JobQuery, summary: QueueSummary) -> JobPage | None:
        """The page of ``query`` when its state is only counted (no rows, its count in
        ``summary``, the reason), else None: list it."""
        reason = self.unlisted_reason(query.state)
        if reason is None:
            return None
        total = summary.counts.get(query.state, 0)
        return JobPage(query=query, jobs=[], total=total, unlisted=str(reason))

    def supports(self, action: JobAction | QueueAction) -> bool:
        return bool(getattr(self, f"supports_{CAPABILITY_FOR[action]}", False))

    # -- which action applies where (``applicability``) ------------------------------------------

    def action_applies(self, action: JobAction, state: JobState) -> bool:
        """Whether this backend can do ``action`` to a job in ``state``."""
        return self.supports(action) and self.action_table.applies(action, state)

    def job_actions_for(self, state: JobState) -> list[JobAction]:
        """The job actions this backend can do to a job in ``state``, in ``JobAction`` order
        (what the user may do is asked of ``actions.permissions`` besides)."""
        return [action for action in JobAction if self.action_applies(action, state)]

    def why_not(self, action: JobAction, state: JobState) -> Text | None:
        """Why ``action`` cannot be done to a job in ``state`` (a sentence), or None."""
        if not self.supports(action):
            return format_lazy(_("{backend} does not offer this action."), backend=self.label)
        return self.action_table.why_not(action, state, self.states or tuple(JobState))

    def queue_action_states(self, action: QueueAction) -> tuple[JobState, ...]:
        """The states ``action`` takes its jobs from (retry all: failed, ...), among this
        backend's states in display order; empty for actions on the whole queue."""
        wanted = self.action_table.queues.get(action, ())
        return tuple(state for state in self.states if state in wanted)

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
    "schedules",
    "schedule_run_now",
    "schedule_edit",
    "schedule_remove",
    *JOB_CHANGE_CAPABILITIES,
    "latest",
    "obliterate",
    "failure_groups",
    "replay_dead_letters",
    "cancel",
    "stop",
    "suspend",
    "global_concurrency",
    "rate_limits",
    "server_details",
)


def ordered_counts(
    states: Iterable[JobState], counts: Mapping[JobState, int]
) -> dict[JobState, int]:
    """Counts for exactly ``states``, zero where missing, in display order."""
    return {state: int(counts.get(state, 0)) for state in states}
