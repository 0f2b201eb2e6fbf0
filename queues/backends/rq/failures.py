"""Failed jobs with their cause, newest first (``failed_rows``) for RQ: in slices.

The failed registry (``rq:failed:<queue>``) is walked in the failed tab's order (by score,
highest first) in slices of ``SLICE_JOBS`` entries, one script call each, under the highest
score the first call found (so jobs failing meanwhile shift nothing): each call holds Redis for
a bounded time and sends back a bounded reply, however large the window. Per job it returns the
start of its ``data`` (for the function's name, read like the list rows: never unpickled), its
description, ``ended_at`` and its stored traceback (``exc_info``, or RQ 2's latest result's
``exc_string`` when the hash keeps none), each cut to a cap: RQ keeps them zlib-compressed, so
they are read here, not in the script. ``before_ms`` keeps the jobs that ended at or before it
(RQ's ``ended_at`` strings compare in time order) and those without an end time (a stopped job
has none). A registry entry whose job hash is gone has no cause and is left out. Reads only:
ZREVRANGE, ZCOUNT, ZREVRANGEBYSCORE, HMGET, XREVRANGE.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ...states import JobState
from ..failure_types import FailedRow, FailedWindow
from .decode import b64, call_data, exc_text, last_line, text, when
from .keys import state_key

#: Registry entries read per script call.
SLICE_JOBS = 100
#: Bytes of a job's ``data`` read (its function's name comes first).
DATA_CAP = 4 * 1024
#: Bytes of a stored traceback read (a multiple of 4: base64 in the results stream).
EXC_CAP = 256 * 1024
#: Bytes of a description read.
DESCRIPTION_CAP = 1024
#: Registry entries walked beyond the window (jobs that ended after ``before_ms``, gone ones).
SCAN_SLACK = 1000

#: KEYS[1]: the failed registry. ARGV: highest score ("" on the first call: the newest's),
#: offset, count, cutoff ("" for none), data cap, description cap, traceback cap. Returns
#: {entries up to the highest score, that score, entries walked, id, data, description,
#: ended_at, exc_info, result exc_string, ...}.
FAILED_ROWS_LUA = """
local top, offset, count, cutoff = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local data_cap, desc_cap, exc_cap = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
if top == '' then
  local newest = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if #newest == 0 then return {0, '', 0} end
  top = newest[2]
end
local total = redis.call('ZCOUNT', KEYS[1], '-inf', top)
local ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], top, '-inf', 'LIMIT', offset, count)
local out = {total, top, #ids}
local function cut(value, cap)
  if not value then return '' end
  return string.sub(value, 1, cap)
end
for _, id in ipairs(ids) do
  local f = redis.call('HMGET', 'rq:job:' .. id, 'data', 'description', 'ended_at', 'exc_info')
  local ended = f[3] or ''
  if (f[1] or f[2] or f[3] or f[4]) and (cutoff == '' or ended == '' or ended <= cutoff) then
    local from_result = ''
    if not f[4] or f[4] == '' then
      local latest = redis.call('XREVRANGE', 'rq:results:' .. id, '+', '-', 'COUNT', 1)
      if latest[1] then
        local entry = latest[1][2]
        for i = 1, #entry, 2 do
          if entry[i] == 'exc_string' then from_result = cut(entry[i + 1], exc_cap) end
        end
      end
    end
    out[#out + 1] = id
    out[#out + 1] = cut(f[1], data_cap)
    out[#out + 1] = cut(f[2], desc_cap)
    out[#out + 1] = ended
    out[#out + 1] = cut(f[4], exc_cap)
    out[#out + 1] = from_result
  end
end
return out
"""


def top_frame(traceback: str) -> str:
    """The last ``File "...", line N, in f`` line of a Python traceback ("" when none)."""
    frames = [line.strip() for line in traceback.splitlines() if line.lstrip().startswith('File "')]
    return frames[-1] if frames else ""


def _cutoff(before_ms: int | None) -> str:
    """``before_ms`` as RQ writes ``ended_at`` (its whole millisecond included), or ""."""
    if before_ms is None:
        return ""
    try:
        moment = datetime.fromtimestamp(before_ms / 1000, UTC) + timedelta(microseconds=999)
    except (OverflowError, OSError, ValueError):
        return "" if before_ms > 0 else "0"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _name(data: bytes, description: str) -> str:
    func_name = call_data(data).func_name if data else None
    return func_name or description.split("(", 1)[0] or description


def _row(
    job_id: Any, data: bytes, description: Any, ended: Any, exc: bytes, result: bytes
) -> FailedRow:
    traceback, _problem = exc_text(exc or None)
    if traceback is None and result:
        traceback, _problem = exc_text(b64(result))
    traceback = traceback or ""
    return FailedRow(
        job_id=text(job_id) or "",
        name=_name(data, text(description) or ""),
        failed_at=when(ended),
        reason=last_line(traceback) or "",
        top_frame=top_frame(traceback),
    )


class RQFailuresMixin:
    """``failed_rows`` for ``RQBackend``."""

    pool: Any
    supports_failure_groups = True

    if TYPE_CHECKING:

        async def _require_queue(self, client: Any, name: str) -> None: ...

    async def failed_rows(
        self, queue: str, limit: int, *, before_ms: int | None = None
    ) -> FailedWindow:
        limit = max(int(limit), 1)
        client = self.pool.get()
        key = state_key(JobState.FAILED, queue)
        caps = [DATA_CAP, DESCRIPTION_CAP, EXC_CAP]
        rows: list[FailedRow] = []
        top, walked, total = "", 0, 0
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            script = self.pool.script(FAILED_ROWS_LUA)
            while len(rows) <= limit and walked < limit + SCAN_SLACK:
                take = min(SLICE_JOBS, limit + SCAN_SLACK - walked)
                args = [top, walked, take, _cutoff(before_ms), *caps]
                total, top, count, *flat = await script(keys=[key], args=args)
                rows += [_row(*flat[i : i + 6]) for i in range(0, len(flat), 6)]
                walked += int(count)
                if int(count) < take:
                    break
        complete = len(rows) <= limit and walked >= int(total)
        return FailedWindow(rows=rows[:limit], complete=complete)


__all__ = ["RQFailuresMixin"]
