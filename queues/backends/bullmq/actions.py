"""Actions on BullMQ queues, each done by bullmq's own Lua script, many per round trip.

The scripts are read from the installed ``bullmq`` package (``bullmq/commands/*.lua``) and
registered on our client; their KEYS and ARGV are built exactly as ``bullmq/scripts.py`` builds
them. Many script calls go in one pipeline; a server that forgot the scripts (restart, SCRIPT
FLUSH) answers NOSCRIPT for the calls that did not run, which are loaded and sent again.

Round trips (R = one pipeline):

* retry: R1 reads each job's state and options, R2 runs ``reprocessJob`` for each, R3 (only for
  jobs that moved meanwhile) reads their current state.
* promote: R1 runs ``promote`` for each, R2 only for the refused ones.
* remove: R1 reads which jobs exist and run, then one MULTI per ``REMOVE_CHUNK`` jobs pairs
  EXISTS with ``removeJob``, so "done" is exact; R3 only for the refused ones.
* each bulk step: one MULTI (empty: a size read, then one MULTI).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import redis.asyncio
from redis.exceptions import NoScriptError

from ...states import JobState
from .. import untrusted
from ..actions import ActionOutcome, JobAction, QueueAction, QueueActionParams, Skip
from ..errors import BackendError, BackendUnavailable
from .decode import is_job_hash, names_a_queue_key
from .keys import STATE_KEYS, QueueKeys

#: The bullmq scripts used, by our name.
SCRIPT_FILES = {
    "reprocess": "reprocessJob-9.lua",
    "promote": "promote-9.lua",
    "remove": "removeJob-2.lua",
    "clean": "cleanJobsInSet-3.lua",
    "pause": "pause-7.lua",
    "move_to_wait": "moveJobsToWait-8.lua",
}
#: Jobs removed per MULTI: bounds how long one transaction holds the server.
REMOVE_CHUNK = 100
#: Most jobs one clean/empty script call deletes, whatever the batch size: deleting a job costs
#: two to three times moving one, and a call must stay well under 50 ms on a busy server.
REMOVAL_CAP = 250
#: ``Scripts.promoteJobs`` passes this as the highest score: every delayed job.
ALL_DELAYED = 1.7976931348623157e308
#: ``empty`` removes jobs created up to this long after "now" (producers' clocks may run ahead).
#: cleanJobsInSet compares timestamps as strings, so the bound must stay a 13-digit number.
EMPTY_HORIZON_MS = 86_400_000
#: Above this many jobs, a delayed/waiting clean is counted by size (an upper bound).
EXACT_COUNT_LIMIT = 10_000

_SETS_EMPTIED = ("wait", "prioritized", "paused")
#: The key cleanJobsInSet takes for each state the board cleans (gotcha: "wait", not "waiting").
_CLEAN_SET = {
    JobState.COMPLETED: "completed",
    JobState.FAILED: "failed",
    JobState.DELAYED: "delayed",
    JobState.WAITING: "wait",
}


@cache
def script_text(filename: str) -> str:
    """A script shipped with the ``bullmq`` package, found without importing it."""
    spec = find_spec("bullmq")
    if spec is None or spec.origin is None:
        raise BackendError(
            "Actions on BullMQ queues need the 'bullmq' package: "
            "pip install 'django-queueboard[bullmq]'."
        )
    return (Path(spec.origin).parent / "commands" / filename).read_text(encoding="utf-8")


_registered: weakref.WeakKeyDictionary[redis.asyncio.Redis, dict[str, Any]] = (
    weakref.WeakKeyDictionary()
)


def scripts_for(client: redis.asyncio.Redis) -> dict[str, Any]:
    """The scripts registered on ``client`` (one per event loop), by our name."""
    found = _registered.get(client)
    if found is None:
        found = {
            name: client.register_script(script_text(file)) for name, file in SCRIPT_FILES.items()
        }
        _registered[client] = found
    return found


# -- sending many calls at once ------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One command, or one script call (``script`` set, ``parts`` = KEYS, ``argv`` = ARGV)."""

    parts: tuple[Any, ...]
    script: Any = None
    argv: tuple[Any, ...] = ()


def cmd(*parts: Any) -> Call:
    return Call(parts)


def lua(script: Any, keys: Sequence[Any], args: Sequence[Any]) -> Call:
    return Call(tuple(keys), script, tuple(args))


async def send(
    client: redis.asyncio.Redis,
    units: Sequence[Sequence[Call]],
    *,
    transaction: bool = False,
    chunk: int | None = None,
) -> list[list[Any]]:
    """Every unit's replies, in one pipeline (or one MULTI per ``chunk`` units).

    Errors come back as exception objects. Units refused with NOSCRIPT did not run: their
    scripts are loaded and they alone are sent once more.
    """
    results: list[list[Any]] = [[] for _ in units]
    pending = list(range(len(units)))
    for attempt in range(2):
        size = chunk or max(len(pending), 1)
        for start in range(0, len(pending), size):
            group = pending[start : start + size]
            pipe = client.pipeline(transaction=transaction)
            for index in group:
                for call in units[index]:
                    if call.script is None:
                        pipe.execute_command(*call.parts)
                    else:
                        pipe.evalsha(call.script.sha, len(call.parts), *call.parts, *call.argv)
            replies = await pipe.execute(raise_on_error=False)
            position = 0
            for index in group:
                width = len(units[index])
                results[index] = list(replies[position : position + width])
                position += width
        pending = [i for i in pending if any(isinstance(r, NoScriptError) for r in results[i])]
        if not pending or attempt:
            break
        missing = {c.script for i in pending for c in units[i] if c.script is not None}
        loader = client.pipeline(transaction=False)
        for script in missing:
            loader.script_load(script.script)
        await loader.execute()
    return results


# -- reading states ------------------------------------------------------------------------------


def _membership(keys: QueueKeys, job_id: str) -> list[Call]:
    calls = [cmd("EXISTS", keys.job(job_id))]
    for state, (_, key_type) in STATE_KEYS.items():
        command = "ZSCORE" if key_type == "zset" else "LPOS"
        calls.append(cmd(command, keys.state(state), job_id))
    return calls


async def current_states(
    client: redis.asyncio.Redis, keys: QueueKeys, job_ids: Sequence[str]
) -> dict[str, tuple[bool, JobState | None]]:
    """For each job: whether its hash exists, and the first state holding it (one pipeline)."""
    replies = await send(client, [_membership(keys, job_id) for job_id in job_ids])
    found: dict[str, tuple[bool, JobState | None]] = {}
    for job_id, row in zip(job_ids, replies, strict=True):
        states = [s for s, r in zip(STATE_KEYS, row[1:], strict=True) if _present(r)]
        found[job_id] = (row[0] == 1, states[0] if states else None)
    return found


def _present(reply: Any) -> bool:
    return reply is not None and not isinstance(reply, Exception)


def _lifo(raw: Any) -> bool:
    try:
        opts = untrusted.loads(raw) if raw else {}
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(opts, dict) and bool(opts.get("lifo"))


def _failure(job_id: str, reply: Any) -> Skip:
    return Skip(job_id, f"Job {job_id} could not be changed: {reply}")


def _now_ms() -> int:
    return round(time.time() * 1000)


# -- the mixin -----------------------------------------------------------------------------------


class BullMQActionsMixin:
    """Mixed into ``BullMQBackend``; uses its ``pool``, ``prefix`` and ``_require_queue``."""

    # Provided by BullMQBackend.
    alias: str
    prefix: str
    pool: Any
    _require_queue: Callable[..., Any]

    async def act_on_jobs(
        self, queue: str, action: JobAction, job_ids: list[str], *, retry_completed: bool = True
    ) -> ActionOutcome:
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            if action == JobAction.RETRY:
                return await _retry(client, keys, job_ids, retry_completed)
            if action == JobAction.PROMOTE:
                return await _promote(client, keys, job_ids)
            return await _remove(client, keys, job_ids)

    async def count_for(self, queue: str, action: QueueAction, params: QueueActionParams) -> int:
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        with self.pool.translate_errors():
            return await _count(client, keys, action, params)

    async def queue_step(
        self, queue: str, action: QueueAction, params: QueueActionParams, batch_size: int
    ) -> ActionOutcome:
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        try:
            with self.pool.translate_errors():
                return await _step(client, keys, action, params, max(int(batch_size), 1))
        except BackendUnavailable as exc:
            raise BackendUnavailable(
                f"{exc} The batch being sent may or may not have been applied; each batch is "
                "atomic, so no job was lost or duplicated."
            ) from exc


# -- job actions ---------------------------------------------------------------------------------


def _reprocess_call(
    scripts: dict[str, Any], keys: QueueKeys, job_id: str, state: str, lifo: bool
) -> Call:
    """``Scripts.reprocessJob`` (Job.retry) without resetting the attempt counters."""
    return lua(
        scripts["reprocess"],
        [
            keys.job(job_id),
            keys.key("events"),
            keys.key(state),
            keys.key("wait"),
            keys.key("meta"),
            keys.key("active"),
            keys.key("marker"),
            keys.key("prioritized"),
            keys.key("pc"),
        ],
        [
            job_id,
            ("R" if lifo else "L") + "PUSH",
            "failedReason" if state == "failed" else "returnvalue",
            state,
            "0",
            "0",
        ],
    )


async def _retry(
    client: Any, keys: QueueKeys, job_ids: list[str], retry_completed: bool = True
) -> ActionOutcome:
    scripts = scripts_for(client)
    reads = await send(
        client,
        [
            [
                cmd("EXISTS", keys.job(job_id)),
                cmd("HGET", keys.job(job_id), "opts"),
                cmd("ZSCORE", keys.key("failed"), job_id),
                cmd("ZSCORE", keys.key("completed"), job_id),
            ]
            for job_id in job_ids
        ],
    )
    outcome = ActionOutcome()
    tried: dict[str, str] = {}
    moved: dict[str, str] = {}
    calls = []
    for job_id, (exists, opts, failed, completed) in zip(job_ids, reads, strict=True):
        if exists != 1:
            outcome.skipped.append(_missing(job_id))
        elif _present(completed) and not _present(failed) and not retry_completed:
            outcome.skipped.append(Skip(job_id, _completed(job_id), JobState.COMPLETED))
        elif _present(failed) or (_present(completed) and retry_completed):
            state = "failed" if _present(failed) else "completed"
            tried[job_id] = state
            calls.append([_reprocess_call(scripts, keys, job_id, state, _lifo(opts))])
        else:
            moved[job_id] = "failed"
    replies = await send(client, calls)
    for job_id, (reply,) in zip(tried, replies, strict=True):
        if reply == 1:
            outcome.done_ids.append(job_id)
        elif reply == -1:
            outcome.skipped.append(_missing(job_id))
        elif reply == -3:
            moved[job_id] = tried[job_id]
        else:
            outcome.failed.append(_failure(job_id, reply))
    await _explain(client, keys, outcome, moved, _no_longer)
    outcome.done = len(outcome.done_ids)
    return outcome


async def _promote(client: Any, keys: QueueKeys, job_ids: list[str]) -> ActionOutcome:
    script = scripts_for(client)["promote"]
    names = ["delayed", "wait", "paused", "meta", "prioritized", "active", "pc", "events", "marker"]
    calls = [
        [
            lua(
                script,
                # As Scripts.promoteArgs: nine queue keys, then four more it appends.
                [keys.key(n) for n in names]
                + [keys.job(job_id), keys.key("events"), keys.key("paused"), keys.key("meta")],
                [keys.base, job_id],
            )
        ]
        for job_id in job_ids
    ]
    outcome = ActionOutcome()
    refused: dict[str, str] = {}
    for job_id, (reply,) in zip(job_ids, await send(client, calls), strict=True):
        if reply == 0:
            outcome.done_ids.append(job_id)
        elif reply == -3:
            refused[job_id] = "delayed"
        else:
            outcome.failed.append(_failure(job_id, reply))
    await _explain(client, keys, outcome, refused, _no_longer)
    outcome.done = len(outcome.done_ids)
    return outcome


async def _remove(client: Any, keys: QueueKeys, job_ids: list[str]) -> ActionOutcome:
    script = scripts_for(client)["remove"]
    reads = await send(
        client,
        [
            [cmd("EXISTS", keys.job(job_id)), cmd("LPOS", keys.key("active"), job_id)]
            # An id naming one of the queue's keys (meta, events, ...) is a job only if a job
            # hash is stored there: removeJob would delete the queue's own record.
            + ([cmd("HMGET", keys.job(job_id), *_JOB_FIELDS)] if names_a_queue_key(job_id) else [])
            for job_id in job_ids
        ],
    )
    outcome = ActionOutcome()
    chosen: list[str] = []
    for job_id, (exists, active, *record) in zip(job_ids, reads, strict=True):
        if _present(active):
            outcome.skipped.append(Skip(job_id, _running(job_id), JobState.ACTIVE))
        elif exists != 1 or (record and not _is_job_reply(record[0])):
            outcome.skipped.append(_missing(job_id))
        else:
            chosen.append(job_id)
    calls = [
        [
            cmd("EXISTS", keys.job(job_id)),
            lua(script, [keys.job(job_id), keys.key("repeat")], [job_id, 1, keys.base]),
        ]
        for job_id in chosen
    ]
    replies = await send(client, calls, transaction=True, chunk=REMOVE_CHUNK)
    refused: dict[str, str] = {}
    for job_id, (exists, reply) in zip(chosen, replies, strict=True):
        if reply == 1 and exists == 1:
            outcome.done_ids.append(job_id)
        elif reply == 1:
            outcome.skipped.append(_missing(job_id))
        elif reply in (0, -8):
            refused[job_id] = "scheduler" if reply == -8 else "locked"
        else:
            outcome.failed.append(_failure(job_id, reply))
    await _explain(client, keys, outcome, refused, _not_removed)
    outcome.done = len(outcome.done_ids)
    return outcome


async def _explain(
    client: Any,
    keys: QueueKeys,
    outcome: ActionOutcome,
    refused: dict[str, str],
    reason: Callable[[str, str, JobState | None], str],
) -> None:
    """Skip each refused job with its current state (one pipeline for all of them)."""
    if not refused:
        return
    states = await current_states(client, keys, list(refused))
    for job_id, why in refused.items():
        exists, state = states[job_id]
        if not exists:
            outcome.skipped.append(_missing(job_id))
        else:
            outcome.skipped.append(Skip(job_id, reason(job_id, why, state), state))


#: The fields ``decode.is_job_hash`` looks at, read with HMGET.
_JOB_FIELDS = ("timestamp", "name", "data")


def _is_job_reply(reply: Any) -> bool:
    """An HMGET of ``_JOB_FIELDS`` (an error for a key that is no hash) shows a job hash."""
    return isinstance(reply, list) and is_job_hash(dict(zip(_JOB_FIELDS, reply, strict=True)))


def _missing(job_id: str) -> Skip:
    return Skip(job_id, f"Job {job_id} was not found.", missing=True)


def _completed(job_id: str) -> str:
    return f"Job {job_id} is completed; only failed jobs were retried."


def _running(job_id: str) -> str:
    return f"Job {job_id} is running/locked; it cannot be removed."


def _no_longer(job_id: str, wanted: str, state: JobState | None) -> str:
    now = state.value if state else "in no state list"
    return f"Job {job_id} is no longer {wanted}; it is now {now}."


def _not_removed(job_id: str, why: str, state: JobState | None) -> str:
    if why == "scheduler":
        return f"Job {job_id} belongs to a job scheduler; remove the scheduler instead."
    if state == JobState.ACTIVE:
        return _running(job_id)
    return f"Job {job_id} has a running/locked child job; it cannot be removed."


# -- queue actions -------------------------------------------------------------------------------


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


def _retry_state(params: QueueActionParams) -> str:
    return "completed" if params.state == JobState.COMPLETED else "failed"


async def _step(
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
        _raise_if_error(left)
        # Resuming a v5-paused queue moves at most 7,000 legacy jobs per call.
        return ActionOutcome(finished=not left)
    if action in (QueueAction.RETRY_ALL, QueueAction.PROMOTE_ALL):
        if action == QueueAction.RETRY_ALL:
            state = _retry_state(params)
            top: Any = params.cutoff_ms if params.cutoff_ms is not None else _now_ms()
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
        _raise_if_error(*ids, before, moved, left)
        done_ids = [_text(i) for i in ids[0]] if ids else []
        return ActionOutcome(done=int(before) - int(left), done_ids=done_ids, finished=not left)
    if action == QueueAction.CLEAN:
        name = _CLEAN_SET[params.state or JobState.COMPLETED]
        cutoff, batch = _now_ms() - params.grace_ms, min(batch, REMOVAL_CAP)
        ((deleted,),) = await send(client, [[_clean_call(scripts, keys, name, cutoff, batch)]])
        _raise_if_error(deleted)
        done_ids = [_text(i) for i in deleted]
        return ActionOutcome(done=len(done_ids), done_ids=done_ids, finished=len(done_ids) < batch)
    if action == QueueAction.EMPTY:
        return await _empty_step(client, scripts, keys, min(batch, REMOVAL_CAP))
    raise NotImplementedError(f"BullMQ has no queue action {action!r}.")


async def _empty_step(
    client: Any, scripts: dict[str, Any], keys: QueueKeys, batch: int
) -> ActionOutcome:
    """Clean wait, prioritized and the legacy paused list, sharing one budget, in one MULTI."""
    (sizes,) = await send(client, [_sizes(keys)])
    _raise_if_error(*sizes)
    cutoff = _now_ms() + EMPTY_HORIZON_MS
    budget, planned, calls = batch, 0, []
    for name, size in zip(_SETS_EMPTIED, sizes, strict=True):
        take = min(budget, int(size))
        if take > 0:
            calls.append(_clean_call(scripts, keys, name, cutoff, take))
            budget, planned = budget - take, planned + take
    if not calls:
        return ActionOutcome()
    (replies,) = await send(client, [calls + _sizes(keys)], transaction=True)
    _raise_if_error(*replies)
    done_ids = [_text(i) for deleted in replies[: len(calls)] for i in deleted]
    left = sum(int(n) for n in replies[len(calls) :])
    # Fewer deleted than planned: the rest are scheduler jobs (never removed) or already gone.
    finished = not left or len(done_ids) < planned
    return ActionOutcome(done=len(done_ids), done_ids=done_ids, finished=finished)


def _sizes(keys: QueueKeys) -> list[Call]:
    return [
        cmd("LLEN", keys.key("wait")),
        cmd("ZCARD", keys.key("prioritized")),
        cmd("LLEN", keys.key("paused")),
    ]


async def _count(
    client: Any, keys: QueueKeys, action: QueueAction, params: QueueActionParams
) -> int:
    if action == QueueAction.RETRY_ALL:
        top = params.cutoff_ms if params.cutoff_ms is not None else _now_ms()
        calls = [cmd("ZCOUNT", keys.key(_retry_state(params)), 0, top)]
    elif action == QueueAction.PROMOTE_ALL:
        calls = [cmd("ZCARD", keys.key("delayed"))]
    elif action == QueueAction.EMPTY:
        calls = _sizes(keys)
    elif action == QueueAction.CLEAN:
        return await _count_clean(client, keys, params)
    else:
        return 0
    (replies,) = await send(client, [calls])
    _raise_if_error(*replies)
    return sum(int(n) for n in replies)


async def _count_clean(client: Any, keys: QueueKeys, params: QueueActionParams) -> int:
    """Jobs cleanJobsInSet would delete: finished jobs by finishedOn (their score); delayed
    and waiting jobs by processedOn/timestamp (finishedOn/processedOn/timestamp for waiting),
    read from each hash when there are at most ``EXACT_COUNT_LIMIT`` of them, else the size
    (an upper bound). Scheduler jobs, which clean skips, are counted."""
    state = params.state or JobState.COMPLETED
    cutoff = _now_ms() - params.grace_ms
    name = _CLEAN_SET[state]
    key = keys.key(name)
    if state in (JobState.COMPLETED, JobState.FAILED):
        ((count,),) = await send(client, [[cmd("ZCOUNT", key, 0, cutoff)]])
        _raise_if_error(count)
        return int(count)
    is_list = state == JobState.WAITING
    ((size,),) = await send(client, [[cmd("LLEN" if is_list else "ZCARD", key)]])
    _raise_if_error(size)
    if int(size) > EXACT_COUNT_LIMIT or not params.grace_ms:
        return int(size)
    ((ids,),) = await send(client, [[cmd("LRANGE" if is_list else "ZRANGE", key, 0, -1)]])
    _raise_if_error(ids)
    fields = ("finishedOn", "processedOn", "timestamp") if is_list else ("processedOn", "timestamp")
    rows = await send(client, [[cmd("HMGET", keys.job(_text(i)), *fields)] for i in ids])
    return sum(1 for (row,) in rows if _older(row, cutoff))


def _older(row: Any, cutoff: int) -> bool:
    if isinstance(row, Exception):
        return False
    stamp = next((value for value in row if value is not None), None)
    try:
        return stamp is None or int(stamp) <= cutoff
    except ValueError:
        return False


def _raise_if_error(*replies: Any) -> None:
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
