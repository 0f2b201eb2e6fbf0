"""The one state vocabulary every backend maps its own states onto."""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    WAITING = "waiting"
    ACTIVE = "active"
    DELAYED = "delayed"
    PRIORITIZED = "prioritized"
    WAITING_CHILDREN = "waiting-children"
    COMPLETED = "completed"
    FAILED = "failed"
    PAUSED = "paused"  # legacy BullMQ (<= v5) queues only

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()

    @classmethod
    def parse(cls, value: str) -> JobState:
        """Return the state named ``value`` or raise ``ValueError`` with a readable message."""
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(state.value for state in cls)
            raise ValueError(f"Unknown state {value!r}; expected one of: {known}.") from None


#: The order in which states are shown (tabs, counts).
STATE_ORDER: tuple[JobState, ...] = (
    JobState.ACTIVE,
    JobState.WAITING,
    JobState.PRIORITIZED,
    JobState.WAITING_CHILDREN,
    JobState.DELAYED,
    JobState.PAUSED,
    JobState.COMPLETED,
    JobState.FAILED,
)
