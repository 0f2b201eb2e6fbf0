"""What the metrics history reads of Django Tasks: the times of tasks seen finishing, one query
for a whole batch (``supports_finish_times``). Wait is from enqueuing (or the ``run_after``
a delayed task waited for) to the start, run from the start to the finish."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ...states import JobState
from ..history_types import FinishTimes
from .rows import FAILED, SUCCESSFUL, date_max

#: Rows read by one call at most (the recorder asks for fewer).
MAX_IDS = 1000


def _ms(moment: datetime | None) -> int | None:
    return int(moment.timestamp() * 1000) if moment is not None else None


def row_times(
    enqueued: datetime, run_after: datetime | None, started: Any, finished: Any
) -> FinishTimes:
    ready = enqueued
    if run_after is not None and run_after < date_max() and run_after > enqueued:
        ready = run_after
    return FinishTimes(added_ms=_ms(ready), started_ms=_ms(started), finished_ms=_ms(finished))


class TaskHistoryMixin:
    alias: str
    #: The times of finished tasks are read from their rows, by id or by finish time.
    supports_finish_times = True
    supports_recent_finishes = True

    if TYPE_CHECKING:

        def _rows(self) -> Any: ...
        def _database_errors(self) -> AbstractContextManager[None]: ...

    async def finish_times(
        self, jobs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], FinishTimes]:
        wanted: dict[uuid.UUID, str] = {}
        for queue, job_id in jobs[:MAX_IDS]:
            try:
                wanted[uuid.UUID(str(job_id))] = queue
            except ValueError:
                continue
        if not wanted:
            return {}
        found: dict[tuple[str, str], FinishTimes] = {}
        with self._database_errors():
            rows = (
                self._rows()
                .filter(pk__in=list(wanted), status__in=(SUCCESSFUL, FAILED))
                .values_list(
                    "pk", "queue_name", "enqueued_at", "run_after", "started_at", "finished_at"
                )
            )
            async for pk, queue, enqueued, run_after, started, finished in rows:
                key = uuid.UUID(str(pk))
                if wanted.get(key) == queue:
                    found[(queue, str(key))] = row_times(enqueued, run_after, started, finished)
        return found

    async def recent_finishes(
        self, since_ms: int, limit: int
    ) -> list[tuple[str, JobState, FinishTimes]]:
        # After ``since_ms`` in whole milliseconds (the rows keep microseconds).
        since = datetime.fromtimestamp((since_ms + 1) / 1000, UTC)
        rows = self._rows().filter(status__in=(SUCCESSFUL, FAILED), finished_at__gte=since)
        found: list[tuple[str, JobState, FinishTimes]] = []
        with self._database_errors():
            oldest = rows.order_by("finished_at").values_list(
                "queue_name", "status", "enqueued_at", "run_after", "started_at", "finished_at"
            )
            async for queue, status, enqueued, run_after, started, finished in oldest[
                : max(limit, 1)
            ]:
                state = JobState.COMPLETED if status == SUCCESSFUL else JobState.FAILED
                found.append((queue, state, row_times(enqueued, run_after, started, finished)))
        return found


__all__ = ["TaskHistoryMixin"]
