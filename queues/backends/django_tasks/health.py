"""The health sample of a Django Tasks queue (``supports_health``): what one aggregate query
can tell, the waiting tasks, the oldest one's age and the finished counts. The task framework
has no retries, backoff or per-task retention options, so those checks are left out (None)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Min, Q
from django.utils import timezone

from ...states import JobState
from ..errors import QueueNotFound
from ..health_types import HealthSample
from .rows import state_filter

SUCCESSFUL, FAILED = "SUCCESSFUL", "FAILED"


class TaskHealthMixin:
    alias: str
    #: A bounded health sample of a queue can be read (``health_sample``).
    supports_health = True

    if TYPE_CHECKING:

        def _queue_rows(self, name: str) -> Any: ...
        def _database_errors(self) -> AbstractContextManager[None]: ...
        def declared_queues(self) -> list[str]: ...

    async def health_sample(self, queue: str, *, sample: int, payload_bytes: int) -> HealthSample:
        now = timezone.now()
        waiting = state_filter(JobState.WAITING, now)
        with self._database_errors():
            found = await self._queue_rows(queue).aaggregate(
                rows=Count("pk"),
                waiting=Count("pk", filter=waiting),
                oldest=Min("enqueued_at", filter=waiting),
                completed=Count("pk", filter=Q(status=SUCCESSFUL)),
                failed=Count("pk", filter=Q(status=FAILED)),
            )
        if not found["rows"] and queue not in self.declared_queues():
            raise QueueNotFound(self.alias, queue)
        oldest: datetime | None = found["oldest"]
        return HealthSample(
            completed=int(found["completed"]),
            failed=int(found["failed"]),
            waiting=int(found["waiting"]),
            oldest_waiting_seconds=(now - oldest).total_seconds() if oldest else None,
        )


__all__ = ["TaskHealthMixin"]
