"""Failed jobs with their cause, newest first (``failed_rows``): lua/failed_rows.lua.

The window is read in slices of ``SLICE_JOBS`` jobs, one script call each (the score bound
fixed by the first, so jobs failing meanwhile shift nothing): 5,000 jobs take twenty calls,
each a few milliseconds of the server. Only the name, the failure reason (cut to
``REASON_CAP`` bytes) and the class and top frame of the newest stack trace (parsed by the
script, never sent whole) come back.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..failure_types import FailedRow, FailedWindow
from .client import _lua
from .keys import QueueKeys

_FAILED_ROWS_LUA = _lua("failed_rows.lua")
#: Jobs read per script call.
SLICE_JOBS = 250
#: Bytes of a failure reason read (grouping keeps only its first line, cut shorter).
REASON_CAP = 2048


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or "")


def _rows(flat: list[Any]) -> list[FailedRow]:
    rows = []
    for i in range(0, len(flat), 6):
        job_id, score, name, reason, klass, frame = (_text(v) for v in flat[i : i + 6])
        try:
            failed_at: datetime | None = datetime.fromtimestamp(float(score) / 1000, UTC)
        except (ValueError, OverflowError, OSError):
            failed_at = None
        message = reason.strip()
        if klass and not message.startswith(f"{klass}:"):
            message = f"{klass}: {message}" if message else klass
        rows.append(FailedRow(job_id, name, failed_at, message, frame.strip()))
    return rows


class BullMQFailuresMixin:
    """``failed_rows`` for ``BullMQBackend``."""

    prefix: str
    pool: Any
    supports_failure_groups = True

    if TYPE_CHECKING:

        async def _require_queue(self, client: Any, name: str) -> None: ...

    async def failed_rows(
        self, queue: str, limit: int, *, before_ms: int | None = None
    ) -> FailedWindow:
        keys = QueueKeys(self.prefix, queue)
        top = before_ms if before_ms is not None else round(time.time() * 1000)
        client = self.pool.get()
        rows: list[FailedRow] = []
        total = 0
        with self.pool.translate_errors():
            await self._require_queue(client.redis, queue)
            script = client.redis.register_script(_FAILED_ROWS_LUA)
            while len(rows) < limit:
                take = min(SLICE_JOBS, limit - len(rows))
                args = [keys.base, len(rows), take, top, REASON_CAP]
                total, *flat = await script(keys=[keys.key("failed")], args=args)
                slice_rows = _rows(flat)
                rows += slice_rows
                if len(slice_rows) < take:
                    break
        return FailedWindow(rows=rows, complete=int(total) <= len(rows))
