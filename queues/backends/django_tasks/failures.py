"""Failed tasks with their cause, newest first (``failed_rows``) for Django Tasks.

One query: the queue's failed rows by ``finished_at``, newest first, one more than the window
(to tell whether it held them all), with the exception's class path and only the traceback's
last ``TRACEBACK_TAIL`` characters, where the exception's line and the frame that raised it are.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.db.models.functions import Right

from ..errors import QueueNotFound
from ..failure_types import FailedRow, FailedWindow

#: Characters read from the end of each traceback.
TRACEBACK_TAIL = 4096
_FAILED = "FAILED"


def top_frame(traceback: str) -> str:
    """The last ``File "...", line N, in f`` line of a Python traceback ("" when none)."""
    frames = [line.strip() for line in traceback.splitlines() if line.lstrip().startswith('File "')]
    return frames[-1] if frames else ""


def reason_of(exception_class_path: str, traceback: str) -> str:
    """``"ValueError: message"`` from the traceback's last line, the class path otherwise."""
    lines = [line.strip() for line in traceback.splitlines() if line.strip()]
    short = exception_class_path.rsplit(".", 1)[-1] if exception_class_path else ""
    for line in reversed(lines):
        if short and (line == short or line.startswith((f"{short}:", f"{exception_class_path}:"))):
            return line
    if lines and not lines[-1].startswith(("File ", "Traceback")):
        return f"{short}: {lines[-1]}" if short and not lines[-1].startswith(short) else lines[-1]
    return short


class TaskFailuresMixin:
    """``failed_rows`` for ``DjangoTasksBackend``."""

    alias: str
    supports_failure_groups = True

    if TYPE_CHECKING:

        def _queue_rows(self, name: str) -> Any: ...
        def _database_errors(self) -> AbstractContextManager[None]: ...
        async def _queue_exists(self, queue_rows: Any, name: str) -> bool: ...

    async def failed_rows(
        self, queue: str, limit: int, *, before_ms: int | None = None
    ) -> FailedWindow:
        limit = max(int(limit), 1)
        rows: list[FailedRow] = []
        with self._database_errors():
            queue_rows = self._queue_rows(queue)
            failed = queue_rows.filter(status=_FAILED)
            if before_ms is not None:
                failed = failed.filter(
                    finished_at__lte=datetime.fromtimestamp(before_ms / 1000, UTC)
                )
            newest = (
                failed.annotate(tail=Right("traceback", TRACEBACK_TAIL))
                .order_by(F("finished_at").desc(nulls_last=True), F("pk").desc())
                .values_list("id", "task_path", "finished_at", "exception_class_path", "tail")
            )
            async for job_id, path, finished_at, klass, tail in newest[: limit + 1]:
                rows.append(
                    FailedRow(
                        job_id=str(job_id),
                        name=str(path).rsplit(".", 1)[-1],
                        failed_at=finished_at,
                        reason=reason_of(klass or "", tail or ""),
                        top_frame=top_frame(tail or ""),
                    )
                )
            if not rows and not await self._queue_exists(queue_rows, queue):
                raise QueueNotFound(self.alias, queue)
        return FailedWindow(rows=rows[:limit], complete=len(rows) <= limit)


__all__ = ["TaskFailuresMixin"]
