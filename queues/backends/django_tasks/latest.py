"""The newest tasks of a queue across their states (``list_latest``) for Django Tasks."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.utils import timezone

from ..errors import QueueNotFound
from ..types import JobSummary


class TaskLatestMixin:
    """One query: the queue's rows ordered by ``enqueued_at``, newest first, LIMITed."""

    alias: str
    supports_latest = True

    if TYPE_CHECKING:

        def _queue_rows(self, name: str) -> Any: ...
        def _database_errors(self) -> AbstractContextManager[None]: ...
        def _job_summary(self, row: Any, now: Any) -> JobSummary: ...
        async def _queue_exists(self, queue_rows: Any, name: str) -> bool: ...

    async def list_latest(self, queue: str, limit: int) -> list[JobSummary]:
        now = timezone.now()
        jobs: list[JobSummary] = []
        with self._database_errors():
            queue_rows = self._queue_rows(queue)
            newest = queue_rows.defer("return_value").order_by(
                F("enqueued_at").desc(), F("pk").desc()
            )
            async for row in newest[: max(int(limit), 1)]:
                jobs.append(self._job_summary(row, now))
            if not jobs and not await self._queue_exists(queue_rows, queue):
                raise QueueNotFound(self.alias, queue)
        return jobs


__all__ = ["TaskLatestMixin"]
