"""How many jobs a queue action would change, shown before the user confirms it."""

from __future__ import annotations

from typing import Any

from ...states import JobState
from ..actions import QueueAction, QueueActionParams
from .keys import QueueKeys
from .pipeline import cmd, raise_if_error, reply_text, send
from .queue_actions import CLEAN_SET, now_ms, retry_state, size_reads

#: Above this many jobs, a delayed/waiting clean is counted by size (an upper bound).
EXACT_COUNT_LIMIT = 10_000


async def count(
    client: Any, keys: QueueKeys, action: QueueAction, params: QueueActionParams
) -> int:
    if action == QueueAction.RETRY_ALL:
        top = params.cutoff_ms if params.cutoff_ms is not None else now_ms()
        calls = [cmd("ZCOUNT", keys.key(retry_state(params)), 0, top)]
    elif action == QueueAction.PROMOTE_ALL:
        calls = [cmd("ZCARD", keys.key("delayed"))]
    elif action == QueueAction.EMPTY:
        calls = size_reads(keys)
    elif action == QueueAction.CLEAN:
        return await _count_clean(client, keys, params)
    else:
        return 0
    (replies,) = await send(client, [calls])
    raise_if_error(*replies)
    return sum(int(n) for n in replies)


async def _count_clean(client: Any, keys: QueueKeys, params: QueueActionParams) -> int:
    """Jobs cleanJobsInSet would delete: finished jobs by finishedOn (their score); delayed
    and waiting jobs by processedOn/timestamp (finishedOn/processedOn/timestamp for waiting),
    read from each hash when there are at most ``EXACT_COUNT_LIMIT`` of them, else the size
    (an upper bound). Scheduler jobs, which clean skips, are counted."""
    state = params.state or JobState.COMPLETED
    cutoff = now_ms() - params.grace_ms
    name = CLEAN_SET[state]
    key = keys.key(name)
    if state in (JobState.COMPLETED, JobState.FAILED):
        ((count,),) = await send(client, [[cmd("ZCOUNT", key, 0, cutoff)]])
        raise_if_error(count)
        return int(count)
    is_list = state == JobState.WAITING
    ((size,),) = await send(client, [[cmd("LLEN" if is_list else "ZCARD", key)]])
    raise_if_error(size)
    if int(size) > EXACT_COUNT_LIMIT or not params.grace_ms:
        return int(size)
    ((ids,),) = await send(client, [[cmd("LRANGE" if is_list else "ZRANGE", key, 0, -1)]])
    raise_if_error(ids)
    fields = ("finishedOn", "processedOn", "timestamp") if is_list else ("processedOn", "timestamp")
    rows = await send(client, [[cmd("HMGET", keys.job(reply_text(i)), *fields)] for i in ids])
    return sum(1 for (row,) in rows if _older(row, cutoff))


def _older(row: Any, cutoff: int) -> bool:
    if isinstance(row, Exception):
        return False
    stamp = next((value for value in row if value is not None), None)
    try:
        return stamp is None or int(stamp) <= cutoff
    except ValueError:
        return False
