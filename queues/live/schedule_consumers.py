"""Live schedule pages: the board's Schedules page, a queue's schedules and one schedule.

They follow the events of their queues' streams (the queue groups, as the overview and the
queue page do) and are told only that a schedule's job moved: the armed next run
(``repeat:<scheduler id>:<millis>``) became active, finished, or was armed anew. The page
(``schedules-live.js``) then fetches its schedule regions again, once per burst of events, so
the next run, its countdown, the state and the runs so far come from the server as on load.
"""

from __future__ import annotations

from typing import Any

from .consumers import OverviewConsumer, QueueConsumer, encode
from .publisher import ADDED_MESSAGE, QUEUE_MESSAGE

#: The id prefix of the jobs job schedulers arm (BullMQ's ``repeat:<id>:<millis>``).
SCHEDULE_JOB_PREFIX = "repeat:"


def touches_schedules(message: dict[str, Any]) -> bool:
    """Whether a queue message moved a job a schedule armed."""
    return any(
        isinstance(move, list) and move and str(move[0]).startswith(SCHEDULE_JOB_PREFIX)
        for move in message.get("moved") or ()
    )


def schedules_text(message: dict[str, Any]) -> str:
    return encode(schedules=True) if touches_schedules(message) else ""


class BoardSchedulesConsumer(OverviewConsumer):
    """The board's Schedules page: every queue the user may see."""

    async def snapshot(self) -> str:
        return ""  # the page was rendered just now; events from here on refresh it

    def text(self, message: dict[str, Any]) -> str | None:
        kind = message.get("type")
        if kind == QUEUE_MESSAGE:
            return schedules_text(message)
        if kind == ADDED_MESSAGE:
            return ""  # a new queue's schedules appear at its first event
        return super().text(message)


class QueueSchedulesConsumer(QueueConsumer):
    """A queue's schedules page and one schedule's page: that queue's events."""

    async def snapshot(self) -> str:
        return ""

    def text(self, message: dict[str, Any]) -> str | None:
        if message.get("type") == QUEUE_MESSAGE:
            return schedules_text(message)
        return super().text(message)
