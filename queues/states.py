"""The one state vocabulary every backend maps its own states onto."""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class JobState(StrEnum):
    WAITING = "waiting"
    ACTIVE = "active"
    DELAYED = "delayed"
    PRIORITIZED = "prioritized"
    WAITING_CHILDREN = "waiting-children"
    #: Waiting for the jobs it depends on to finish (RQ's ``deferred``).
    DEFERRED = "deferred"
    COMPLETED = "completed"
    FAILED = "failed"
    #: Stopped while it ran, on purpose (RQ's ``stopped``; kept with the failed jobs).
    STOPPED = "stopped"
    #: Withdrawn before it ran (RQ's ``canceled``).
    CANCELED = "canceled"
    PAUSED = "paused"  # legacy BullMQ (<= v5) queues only

    @property
    def label(self) -> str:
        """The state's name in the active language (``Waiting children``)."""
        return str(_LABELS[self])

    @property
    def phrase(self) -> str:
        """The state in a sentence (``4 waiting children jobs``)."""
        return str(_PHRASES[self])

    @property
    def phrase_lazy(self) -> Promise:
        """``phrase`` for a lazy message (``format_lazy``), in the language it is shown in."""
        return _PHRASES[self]

    @classmethod
    def parse(cls, value: str) -> JobState:
        """Return the state named ``value`` or raise ``ValueError`` with a readable message."""
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(state.value for state in cls)
            message = _("Unknown state {value}; expected one of: {known}.")
            raise ValueError(format_lazy(message, value=repr(value), known=known)) from None


_LABELS = {
    JobState.WAITING: _("Waiting"),
    JobState.ACTIVE: _("Active"),
    JobState.DELAYED: _("Delayed"),
    JobState.PRIORITIZED: _("Prioritized"),
    JobState.WAITING_CHILDREN: _("Waiting children"),
    JobState.DEFERRED: _("Deferred"),
    JobState.COMPLETED: _("Completed"),
    JobState.FAILED: _("Failed"),
    JobState.STOPPED: _("Stopped"),
    JobState.CANCELED: _("Canceled"),
    JobState.PAUSED: _("Paused"),
}
_PHRASES = {
    JobState.WAITING: pgettext_lazy("state in a sentence", "waiting"),
    JobState.ACTIVE: pgettext_lazy("state in a sentence", "active"),
    JobState.DELAYED: pgettext_lazy("state in a sentence", "delayed"),
    JobState.PRIORITIZED: pgettext_lazy("state in a sentence", "prioritized"),
    JobState.WAITING_CHILDREN: pgettext_lazy("state in a sentence", "waiting children"),
    JobState.DEFERRED: pgettext_lazy("state in a sentence", "deferred"),
    JobState.COMPLETED: pgettext_lazy("state in a sentence", "completed"),
    JobState.FAILED: pgettext_lazy("state in a sentence", "failed"),
    JobState.STOPPED: pgettext_lazy("state in a sentence", "stopped"),
    JobState.CANCELED: pgettext_lazy("state in a sentence", "canceled"),
    JobState.PAUSED: pgettext_lazy("state in a sentence", "paused"),
}


#: The order in which states are shown (tabs, counts).
STATE_ORDER: tuple[JobState, ...] = (
    JobState.ACTIVE,
    JobState.WAITING,
    JobState.PRIORITIZED,
    JobState.WAITING_CHILDREN,
    JobState.DEFERRED,
    JobState.DELAYED,
    JobState.PAUSED,
    JobState.COMPLETED,
    JobState.FAILED,
    JobState.STOPPED,
    JobState.CANCELED,
)
