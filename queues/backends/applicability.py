"""Which actions apply to jobs in which state, and why not: one table per backend.

Each backend declares an ``ActionTable`` as its ``action_table`` class attribute (the base class
holds the defaults). The table says, for each job action, the states of the jobs it applies to
(with a sentence for the states it does not), and for each queue action the states it takes its
jobs from. Pages, the live job page, selection buttons, queue actions' state choices and API
refusals all read it through ``QueueBackend.job_actions_for`` / ``why_not`` /
``queue_action_states``; no template decides which action applies.

The table describes what the backend's atomic step checks again when it runs: a job that moved
on meanwhile is still skipped by the backend with its current state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..language import Text
from ..states import JobState
from .actions import JobAction, QueueAction

#: For each job action, the default "why not" sentence: ``{state}`` is the job's state,
#: ``{states}`` the states the action applies to.
_ONLY = {
    JobAction.RETRY: _("Only {states} jobs can be retried; this job is {state}."),
    JobAction.PROMOTE: _("Only {states} jobs can be promoted; this job is {state}."),
    JobAction.REMOVE: _("Only {states} jobs can be removed; this job is {state}."),
    JobAction.CANCEL: _("Only {states} jobs can be canceled; this job is {state}."),
    JobAction.STOP: _("Only {states} jobs can be stopped; this job is {state}."),
}
#: A running job is never removed (its worker would still finish it).
RUNNING_NOT_REMOVED = _("This job is running; a running job cannot be removed.")


@dataclass(frozen=True)
class JobRule:
    """The states a job action applies to, and sentences for some states it does not."""

    states: frozenset[JobState]
    #: Why not, for particular states (the default sentence for the others).
    reasons: Mapping[JobState, Text] = field(default_factory=dict)


def only(*states: JobState, reasons: Mapping[JobState, Text] | None = None) -> JobRule:
    """The rule of an action that applies to jobs in ``states``."""
    return JobRule(frozenset(states), dict(reasons or {}))


def all_but(*states: JobState, reasons: Mapping[JobState, Text] | None = None) -> JobRule:
    """The rule of an action that applies to jobs in every state but ``states``."""
    return JobRule(frozenset(JobState) - frozenset(states), dict(reasons or {}))


@dataclass(frozen=True)
class ActionTable:
    """Which job actions apply in which state, and which states queue actions take jobs from.

    An action missing from ``jobs`` applies to no job; a queue action missing from ``queues``
    takes no state (pause, resume, obliterate: the whole queue, whatever its jobs' states).
    """

    jobs: Mapping[JobAction, JobRule]
    queues: Mapping[QueueAction, tuple[JobState, ...]] = field(default_factory=dict)
    #: The states of a dead-letter queue's jobs that can be replayed into their original
    #: queues (``queues.dead_letters``; None: none can).
    replay: JobRule | None = None

    def replays(self, state: JobState | None) -> bool:
        """Whether a dead-letter job in ``state`` can be replayed."""
        return self.replay is not None and state in self.replay.states

    def applies(self, action: JobAction, state: JobState) -> bool:
        rule = self.jobs.get(action)
        return rule is not None and state in rule.states

    def why_not(self, action: JobAction, state: JobState, order: Iterable[JobState]) -> Text | None:
        """Why ``action`` does not apply to a job in ``state`` (None when it does); ``order``:
        the backend's states, in which the states it applies to are named."""
        rule = self.jobs.get(action)
        if rule is not None and state in rule.states:
            return None
        if rule is not None and state in rule.reasons:
            return rule.reasons[state]
        names = [s.phrase_lazy for s in order if rule is not None and s in rule.states]
        if not names:
            return format_lazy(
                _("This action does not apply to {state} jobs."), state=state.phrase_lazy
            )
        return format_lazy(_ONLY[action], states=either(names), state=state.phrase_lazy)

    def with_jobs(self, **changes: JobRule) -> ActionTable:
        """This table with some job actions' rules replaced (``retry=only(...)``)."""
        jobs = dict(self.jobs)
        jobs.update({JobAction(name.replace("_", "-")): rule for name, rule in changes.items()})
        return replace(self, jobs=jobs)

    def with_queues(self, **changes: tuple[JobState, ...]) -> ActionTable:
        """This table with some queue actions' states replaced (``clean=(...)``)."""
        queues = dict(self.queues)
        queues.update({QueueAction(name.replace("_", "-")): s for name, s in changes.items()})
        return replace(self, queues=queues)

    def with_replay(self, rule: JobRule) -> ActionTable:
        """This table with the states whose dead-letter jobs can be replayed."""
        return replace(self, replay=rule)


def either(names: Sequence[Text]) -> Text:
    """``failed``, ``failed or stopped``, ``failed, stopped or completed``."""
    if len(names) == 1:
        return names[0]
    head = format_lazy("{}" + ", {}" * (len(names) - 2), *names[:-1])
    return format_lazy(_("{first} or {last}"), first=head, last=names[-1])


#: What the base class declares: a backend changes what differs (``with_jobs``/``with_queues``).
DEFAULT_TABLE = ActionTable(
    jobs={
        JobAction.RETRY: only(JobState.FAILED),
        JobAction.PROMOTE: only(JobState.DELAYED),
        JobAction.REMOVE: all_but(JobState.ACTIVE, reasons={JobState.ACTIVE: RUNNING_NOT_REMOVED}),
        JobAction.CANCEL: only(JobState.WAITING, JobState.DELAYED, JobState.DEFERRED),
        JobAction.STOP: only(JobState.ACTIVE),
    },
    queues={
        QueueAction.RETRY_ALL: (JobState.FAILED,),
        QueueAction.PROMOTE_ALL: (JobState.DELAYED,),
        QueueAction.CLEAN: (
            JobState.COMPLETED,
            JobState.FAILED,
            JobState.CANCELED,
            JobState.DELAYED,
            JobState.WAITING,
        ),
        QueueAction.EMPTY: (JobState.WAITING,),
    },
)
