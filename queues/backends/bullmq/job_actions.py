"""Retry, promote and remove chosen jobs, each by bullmq's own script, many per round trip.

Round trips (R = one pipeline):

* retry: R1 reads each job's state and options, R2 runs ``reprocessJob`` for each, R3 (only for
  jobs that moved meanwhile) reads their current state.
* promote: R1 runs ``promote`` for each, R2 only for the refused ones.
* remove: R1 reads which jobs exist and run, then one MULTI per ``REMOVE_CHUNK`` jobs pairs
  EXISTS with ``removeJob``, so "done" is exact; R3 only for the refused ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ...language import Text
from ...states import JobState
from .. import untrusted
from ..actions import ActionOutcome, Skip
from .decode import is_job_hash, names_a_queue_key
from .decode import text as decode_text
from .job_states import current_states
from .keys import QueueKeys
from .pipeline import Call, cmd, lua, present, send
from .scripts import scripts_for
from .skip_reasons import completed_not_retried, failure, missing, no_longer, not_removed, running

#: Jobs removed per MULTI: bounds how long one transaction holds the server.
REMOVE_CHUNK = 100


def _lifo(raw: Any) -> bool:
    try:
        opts = untrusted.loads(raw) if raw else {}
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(opts, dict) and bool(opts.get("lifo"))


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


async def retry(
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
            outcome.skipped.append(missing(job_id))
        elif present(completed) and not present(failed) and not retry_completed:
            outcome.skipped.append(Skip(job_id, completed_not_retried(job_id), JobState.COMPLETED))
        elif present(failed) or (present(completed) and retry_completed):
            state = "failed" if present(failed) else "completed"
            tried[job_id] = state
            calls.append([_reprocess_call(scripts, keys, job_id, state, _lifo(opts))])
        else:
            moved[job_id] = "failed"
    replies = await send(client, calls)
    for job_id, (reply,) in zip(tried, replies, strict=True):
        if reply == 1:
            outcome.done_ids.append(job_id)
        elif reply == -1:
            outcome.skipped.append(missing(job_id))
        elif reply == -3:
            moved[job_id] = tried[job_id]
        else:
            outcome.failed.append(failure(job_id, reply))
    await _explain(client, keys, outcome, moved, no_longer)
    outcome.done = len(outcome.done_ids)
    return outcome


async def promote(client: Any, keys: QueueKeys, job_ids: list[str]) -> ActionOutcome:
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
            outcome.failed.append(failure(job_id, reply))
    await _explain(client, keys, outcome, refused, no_longer)
    outcome.done = len(outcome.done_ids)
    return outcome


async def remove(client: Any, keys: QueueKeys, job_ids: list[str]) -> ActionOutcome:
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
        if present(active):
            outcome.skipped.append(Skip(job_id, running(job_id), JobState.ACTIVE))
        elif exists != 1 or (record and not _is_job_reply(record[0])):
            outcome.skipped.append(missing(job_id))
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
            outcome.skipped.append(missing(job_id))
        elif reply in (0, -8):
            refused[job_id] = "scheduler" if reply == -8 else "locked"
        else:
            outcome.failed.append(failure(job_id, reply))
    await _explain(client, keys, outcome, refused, not_removed)
    await _name_schedules(
        client, keys, outcome, [i for i, why in refused.items() if why == "scheduler"]
    )
    outcome.done = len(outcome.done_ids)
    return outcome


async def _name_schedules(
    client: Any, keys: QueueKeys, outcome: ActionOutcome, job_ids: list[str]
) -> None:
    """Name the schedule of each job BullMQ's removeJob refused as a scheduler's next run
    (its ``rjk`` field; one pipeline, only when there are such refusals)."""
    if not job_ids:
        return
    replies = await send(client, [[cmd("HGET", keys.job(job_id), "rjk")] for job_id in job_ids])
    owners = {
        job_id: str(decode_text(row[0]))
        for job_id, row in zip(job_ids, replies, strict=True)
        if isinstance(row[0], (bytes, str)) and row[0]
    }
    outcome.skipped = [
        replace(skip, schedule=owners[skip.job_id]) if skip.job_id in owners else skip
        for skip in outcome.skipped
    ]


async def _explain(
    client: Any,
    keys: QueueKeys,
    outcome: ActionOutcome,
    refused: dict[str, str],
    reason: Callable[[str, str, JobState | None], Text],
) -> None:
    """Skip each refused job with its current state (one pipeline for all of them)."""
    if not refused:
        return
    states = await current_states(client, keys, list(refused))
    for job_id, why in refused.items():
        exists, state = states[job_id]
        if not exists:
            outcome.skipped.append(missing(job_id))
        else:
            outcome.skipped.append(Skip(job_id, reason(job_id, why, state), state))


#: The fields ``decode.is_job_hash`` looks at, read with HMGET.
_JOB_FIELDS = ("timestamp", "name", "data")


def _is_job_reply(reply: Any) -> bool:
    """An HMGET of ``_JOB_FIELDS`` (an error for a key that is no hash) shows a job hash."""
    return isinstance(reply, list) and is_job_hash(dict(zip(_JOB_FIELDS, reply, strict=True)))
