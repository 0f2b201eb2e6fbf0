"""One bounded step of a queue action (pause, resume, retry all, promote all, clean, empty).

Each step is one MULTI (empty: a size read, then one MULTI), so a step is atomic against live
workers and a cancelled run stops between steps.
"""

from __future__ import annotations

import time
from typing import Any

from ...states import JobState
from ..actions import ActionOutcome, QueueAction, QueueActionParams
from .keys import QueueKeys
from .pipeline import Call, cmd, lua, raise_if_error, reply_text, send
from .scripts import scripts_for

#: Most jobs one clean/empty script call deletes, whatever the batch size: deleting a job costs
#: two to three times moving one, and a call must stay well under 50 ms on a busy server.
REMOVAL_CAP = 250
#: ``Scripts.promoteJobs`` passes this as the highest score: every delayed job.
ALL_DELAYED = 1.7976931348623157e308
#: ``empty`` removes jobs created up to this long after "now" (producers' clocks may run ahead).
#: cleanJobsInSet compares timestamps as strings, so the bound must stay a 13-digit number.
EMPTY_HORIZON_MS = 86_400_000

SETS_EMPTIED = ("wait", "prioritized", "paused")
#: The key cleanJobsInSet takes for each state the board cleans (gotcha: "wait", not "waiting").
CLEAN_SET = {
    JobState.COMPLETED: "completed",
    JobState.FAILED: "failed",
    JobState.DELAYED: "delayed",
    JobState.WAITING: "wait",
}


def now_ms() -> int:
    return round(time.time() * 1000)


def _move_to_wait_call(
    scripts: dict[str, Any], keys: QueueKeys, state: str, count: int, top: Any
) -> Call:
    """``Scripts.moveJobsToWaitArgs``: retryJobs (failed/completed) and promoteJobs (delayed)."""
    names = ["events", state, "wait", "paused", "meta", "active", "marker"]
    return lua(
        scripts["move_to_wait"], [keys.base] + [keys.key(n) for n in names], [count, top, state]
    )


def _clean_call(
    scripts: dict[str, Any], keys: QueueKeys, name: str, cutoff: int, limit: int
) -> Call:
    """``Scripts.cleanJobsInSetArgs``: ``limit`` must be at least 1 (0 means no limit)."""
    return lua(
        scripts["clean"],
        [keys.key(name), keys.key("events"), keys.key("repeat")],
        [keys.base, cutoff, limit, name],
    )


def retry_state(params: QueueActionParams) -> str:
    return "completed" if params.state == JobState.COMPLETED else "failed"


async def step(
    client: Any, keys: QueueKeys, action: QueueAction, params: QueueActionParams, batch: int
) -> ActionOutcome:
    scripts = scripts_for(client)
    if action in (QueueAction.PAUSE, QueueAction.RESUME):
        pausing = action == QueueAction.PAUSE
        names = ["wait", "paused"] if pausing else ["paused", "wait"]
        names += ["meta", "prioritized", "events", "delayed", "marker"]
        call = lua(
            scripts["pause"], [keys.key(n) for n in names], ["paused" if pausing else "resumed"]
        )
        ((left,),) = await send(client, [[call]])
        raise_if_error(left)
        # Resuming a v5-paused queue moves at most 7,000 legacy jobs per call.
        return ActionOutcome(finished=not left)
    if action in (QueueAction.RETRY_ALL, QueueAction.PROMOTE_ALL):
        if action == QueueAction.RETRY_ALL:
            state = retry_state(params)
            top: Any = params.cutoff_ms if params.cutoff_ms is not None else now_ms()
        else:
            state, top = "delayed", ALL_DELAYED
        key = keys.key(state)
        # Counts around the script in one transaction say exactly how many it moved; the ids
        # (the same range the script reads) only when asked for, as parsing them costs.
        listing = (
            [cmd("ZRANGEBYSCORE", key, 0, top, "LIMIT", 0, batch)] if params.report_ids else []
        )
        ((*ids, before, moved, left),) = await send(
            client,
            [
                [
                    *listing,
                    cmd("ZCOUNT", key, 0, top),
                    _move_to_wait_call(scripts, keys, state, batch, top),
                    cmd("ZCOUNT", key, 0, top),
                ]
            ],
            transaction=True,
        )
        raise_if_error(*ids, before, moved, left)
        done_ids = [reply_text(i) for i in ids[0]] if ids else []
        return ActionOutcome(done=int(before) - int(left), done_ids=done_ids, finished=not left)
    if action == QueueAction.CLEAN:
        name = CLEAN_SET[params.state or JobState.COMPLETED]
        cutoff, batch = now_ms() - params.grace_ms, min(batch, REMOVAL_CAP)
        ((deleted,),) = await send(client, [[_clean_call(scripts, keys, name, cutoff, batch)]])
        raise_if_error(deleted)
        done_ids = [reply_text(i) for i in deleted]
        return ActionOutcome(done=len(done_ids), done_ids=done_ids, finished=len(done_ids) < batch)
    if action == QueueAction.EMPTY:
        return await _empty_step(client, scripts, keys, min(batch, REMOVAL_CAP))
    raise NotImplementedError(f"BullMQ has no queue action {action!r}.")


async def _empty_step(
    client: Any, scripts: dict[str, Any], keys: QueueKeys, batch: int
) -> ActionOutcome:
    """Clean wait, prioritized and the legacy paused list, sharing one budget, in one MULTI."""
    (sizes,) = await send(client, [size_reads(keys)])
    raise_if_error(*sizes)
    cutoff = now_ms() + EMPTY_HORIZON_MS
    budget, planned, calls = batch, 0, []
    for name, size in zip(SETS_EMPTIED, sizes, strict=True):
        take = min(budget, int(size))
        if take > 0:
            calls.append(_clean_call(scripts, keys, name, cutoff, take))
            budget, planned = budget - take, planned + take
    if not calls:
        return ActionOutcome()
    (replies,) = await send(client, [calls + size_reads(keys)], transaction=True)
    raise_if_error(*replies)
    done_ids = [reply_text(i) for deleted in replies[: len(calls)] for i in deleted]
    left = sum(int(n) for n in replies[len(calls) :])
    # Fewer deleted than planned: the rest are scheduler jobs (never removed) or already gone.
    finished = not left or len(done_ids) < planned
    return ActionOutcome(done=len(done_ids), done_ids=done_ids, finished=finished)


def size_reads(keys: QueueKeys) -> list[Call]:
    return [
        cmd("LLEN", keys.key("wait")),
        cmd("ZCARD", keys.key("prioritized")),
        cmd("LLEN", keys.key("paused")),
    ]
