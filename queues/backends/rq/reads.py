"""Reading RQ's keys directly, in pipelines: counts, pages of ids, job hashes, one job in full.

Never through RQ's own readers: ``registry.count``, ``len(registry)`` and ``get_job_ids()``
clean up by default (moving abandoned jobs to failed and running their failure callbacks in the
caller's process), and the board must not change a queue by reading it. Every read here is
``SMEMBERS``, ``LLEN``, ``ZCARD``, ``LRANGE``, ``ZRANGE``, ``ZSCORE``, ``LPOS``, ``HMGET``,
``HGETALL``, ``SMEMBERS``, ``XREVRANGE`` or ``EXISTS``: none writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio

from ...states import JobState
from .decode import text
from .keys import (
    QUEUES_KEY,
    STATE_KEYS,
    dependents_key,
    job_key,
    queue_key,
    results_key,
    started_job_id,
    state_key,
)

#: States whose lists run newest first (their scores are expiry times: the latest added last).
NEWEST_FIRST = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.CANCELED})

#: The job hash fields a list row needs.
ROW_FIELDS = (
    "status",
    "origin",
    "description",
    "data",
    "created_at",
    "enqueued_at",
    "started_at",
    "ended_at",
    "exc_info",
    "retries_left",
    "number_of_retries",
)

#: ``LPOS`` looks this far into a queue's list for a job (the job page's "is it queued").
LPOS_MAXLEN = 100_000

#: Results read per job (RQ keeps ten).
RESULTS_READ = 10


async def queue_exists(client: redis.asyncio.Redis, name: str) -> bool:
    return bool(await client.sismember(QUEUES_KEY, queue_key(name)))


#: Counts of many queues in one script call: one reply to parse instead of one per command
#: (redis-py parses pipelined replies one by one, 7 per queue). ARGV: the registries' key
#: prefixes ("" for the queue's list), then "--", then the queue names, or none for every
#: queue of ``rq:queues``. Returns {suspended, number of queues, names..., counts...}. Reads
#: only: SMEMBERS, LLEN, ZCARD, EXISTS.
COUNTS_LUA = """
local prefixes, names, i = {}, {}, 1
while ARGV[i] ~= '--' do prefixes[#prefixes + 1] = ARGV[i]; i = i + 1 end
for j = i + 1, #ARGV do names[#names + 1] = ARGV[j] end
if #names == 0 then
  for _, key in ipairs(redis.call('SMEMBERS', 'rq:queues')) do
    if string.sub(key, 1, 9) == 'rq:queue:' then names[#names + 1] = string.sub(key, 10) end
  end
end
local out = {redis.call('EXISTS', 'rq:suspended'), #names}
for _, name in ipairs(names) do out[#out + 1] = name end
for _, name in ipairs(names) do
  for _, prefix in ipairs(prefixes) do
    if prefix == '' then
      out[#out + 1] = redis.call('LLEN', 'rq:queue:' .. name)
    else
      out[#out + 1] = redis.call('ZCARD', prefix .. name)
    end
  end
end
return out
"""


@dataclass(frozen=True)
class Counts:
    """Per queue (by name, sorted) its counts per state, and whether workers are suspended."""

    rows: dict[str, dict[JobState, int]]
    suspended: bool


async def read_counts(
    script: Any, names: Sequence[str] | None, states: Sequence[JobState]
) -> Counts:
    """Counts per state of ``names`` (every queue of ``rq:queues`` when None) and the global
    suspension, in one round trip (``COUNTS_LUA``)."""
    if names is not None and not names:
        return Counts(rows={}, suspended=False)
    prefixes = [STATE_KEYS[state] or "" for state in states]
    reply = await script(args=[*prefixes, "--", *(names or [])])
    suspended, count = bool(reply[0]), int(reply[1])
    found = [text(name) or "" for name in reply[2 : 2 + count]]
    values = reply[2 + count :]
    width = len(states)
    rows = {
        name: {state: int(values[row * width + col]) for col, state in enumerate(states)}
        for row, name in enumerate(found)
    }
    return Counts(rows=dict(sorted(rows.items())), suspended=suspended)


@dataclass(frozen=True)
class Row:
    """One job of a page: its id, the registry's score (a run time, an expiry) and the fields
    of its hash (empty when the hash is gone)."""

    id: str
    score: float | None
    fields: dict[str, bytes | None]


@dataclass(frozen=True)
class Page:
    total: int
    rows: list[Row]


async def read_ids(
    client: redis.asyncio.Redis, queue: str, state: JobState, start: int, stop: int
) -> tuple[int, list[tuple[str, float | None]]]:
    """The total and ids ``start``..``stop`` of a state, in its natural order, in one round
    trip: O(page) (``LRANGE`` / ``ZRANGE`` by rank)."""
    key = state_key(state, queue)
    pipe = client.pipeline(transaction=False)
    if STATE_KEYS[state] is None:
        pipe.llen(key)
        pipe.lrange(key, start, stop)
        total, members = await pipe.execute()
        return int(total), [(text(member) or "", None) for member in members]
    pipe.zcard(key)
    pipe.zrange(key, start, stop, desc=state in NEWEST_FIRST, withscores=True)
    total, members = await pipe.execute()
    ids: list[tuple[str, float | None]] = []
    for member, score in members:
        name = text(member) or ""
        ids.append((started_job_id(name) if state is JobState.ACTIVE else name, float(score)))
    return int(total), ids


async def read_rows(
    client: redis.asyncio.Redis,
    ids: Sequence[tuple[str, float | None]],
    *,
    with_result: bool = False,
) -> list[Row]:
    """The row fields of each job, in one pipeline; ``with_result`` adds each job's latest
    result (RQ 2 keeps a failure's traceback only there) as ``result:*`` fields."""
    if not ids:
        return []
    pipe = client.pipeline(transaction=False)
    for job_id, _score in ids:
        pipe.hmget(job_key(job_id), list(ROW_FIELDS))
        if with_result:
            pipe.xrevrange(results_key(job_id), "+", "-", count=1)
    replies = await pipe.execute()
    step = 2 if with_result else 1
    rows = []
    for index, (job_id, score) in enumerate(ids):
        values = replies[index * step]
        fields: dict[str, bytes | None] = dict(zip(ROW_FIELDS, values, strict=True))
        if all(value is None for value in values):
            fields = {}
        elif with_result and replies[index * step + 1]:
            _entry_id, entry = replies[index * step + 1][0]
            fields.update({"result:" + key: value for key, value in _fields(entry).items()})
        rows.append(Row(job_id, score, fields))
    return rows


async def read_page(
    client: redis.asyncio.Redis, queue: str, state: JobState, start: int, stop: int
) -> Page:
    total, ids = await read_ids(client, queue, state, start, stop)
    with_result = state is JobState.FAILED
    return Page(total=total, rows=await read_rows(client, ids, with_result=with_result))


@dataclass
class RawJob:
    """Everything the job page shows of one job, from one pipeline."""

    fields: dict[str, bytes]
    #: The registries (or the queue's list) of the page's queue that hold the job, with the
    #: score there.
    found_in: list[tuple[JobState, float | None]] = field(default_factory=list)
    #: Executions under way (``rq:executions:<id>``).
    executions: int = 0
    dependents: list[str] = field(default_factory=list)
    #: The results stream, newest first: (stream id, fields).
    results: list[tuple[str, dict[str, bytes]]] = field(default_factory=list)
    #: The job hash's remaining time to live in seconds (-1: none, -2: gone).
    ttl: int = -2


async def read_job(client: redis.asyncio.Redis, queue: str, job_id: str) -> RawJob:
    """One job and where it is in ``queue``: one round trip."""
    registries = [
        state for state, prefix in STATE_KEYS.items() if prefix and state is not JobState.ACTIVE
    ]
    pipe = client.pipeline(transaction=False)
    pipe.hgetall(job_key(job_id))
    pipe.ttl(job_key(job_id))
    pipe.lpos(queue_key(queue), job_id, maxlen=LPOS_MAXLEN)
    for state in registries:
        pipe.zscore(state_key(state, queue), job_id)
    pipe.zcard("rq:executions:" + job_id)
    pipe.smembers(dependents_key(job_id))
    pipe.xrevrange(results_key(job_id), "+", "-", count=RESULTS_READ)
    replies: list[Any] = await pipe.execute()
    fields, ttl, position = replies[0], replies[1], replies[2]
    scores = replies[3 : 3 + len(registries)]
    executions, dependents, results = replies[3 + len(registries) :]
    raw = RawJob(
        fields={text(key) or "": value for key, value in fields.items()},
        executions=int(executions or 0),
        dependents=sorted(text(member) or "" for member in dependents),
        results=[(text(entry_id) or "", dict(_fields(entry))) for entry_id, entry in results],
        ttl=int(ttl),
    )
    if position is not None:
        raw.found_in.append((JobState.WAITING, None))
    for state, score in zip(registries, scores, strict=True):
        if score is not None:
            raw.found_in.append((state, float(score)))
    return raw


def _fields(entry: dict[Any, Any]) -> dict[str, bytes]:
    return {text(key) or "": value for key, value in entry.items()}
