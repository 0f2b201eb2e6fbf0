"""The Redis reads behind each backend method, one round trip each."""

from __future__ import annotations

import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import redis.asyncio

from ...states import JobState
from .keys import NEWEST_FIRST, STATE_KEYS, QueueKeys
from .pipeline import reply_text

#: A schedule's next run this late with its job still waiting is overdue (as on its pages).
OVERDUE_GRACE_MS = 60_000
#: Queues per counts script call in a read behind the requests (``reads_behind``): about 5,000
#: commands, a few milliseconds of the server at a time.
COUNTS_SLICE = 500

#: Most bytes of data, progress and failure reason returned per job in a list page.
PAGE_VALUE_CAP = 64 * 1024
#: One script call of a list page copies at most this many bytes of job fields (past its first
#: job); a page of large jobs is read in several calls, so none holds Redis for long.
PAGE_SLICE_BYTES = 512 * 1024
#: A search stops once it has read this many bytes of names, data and failure reasons, so one
#: search cannot cost Redis much whatever the jobs carry (the page says how far it got).
SEARCH_BYTE_BUDGET = 4 * 1024 * 1024
#: A search runs as many short script calls ("slices"), each reading at most this many jobs and
#: this many bytes (but at least one job), so Redis serves its other clients between them; a
#: slice of small jobs or of 256 KB of fields takes a millisecond or two of the server.
SEARCH_SLICE_JOBS = 250
SEARCH_SLICE_BYTES = 256 * 1024
#: A name, data or failure reason longer than this is not searched (one such field would hold
#: Redis for milliseconds by itself); the search says how many jobs had one.
SEARCH_FIELD_CAP = 1024 * 1024
#: The fields the page and search scripts return for each job, in order (see lua/rows.lua).
PAGE_FIELDS = (
    "name", "data", "opts", "progress", "timestamp", "processedOn", "finishedOn",
    "delay", "priority", "failedReason", "atm", "attemptsMade",
)  # fmt: skip


_COUNTS_LUA = resources.files(__package__).joinpath("lua", "counts.lua").read_text("utf-8")


@dataclass
class QueueCounts:
    counts: dict[JobState, int]
    paused: bool
    problem: str | None = None
    #: A job scheduler of the queue is overdue (``counts.lua``).
    schedules_overdue: bool = False


async def read_counts(
    client: redis.asyncio.Redis,
    prefix: str,
    names: Sequence[str],
    states: Sequence[JobState],
    *,
    slice_size: int | None = None,
) -> list[QueueCounts]:
    """Counts of ``states`` (each of them, in their order) and the paused flag of every queue
    in ``names``: one script call, or with ``slice_size`` one call per that many queues, one
    after the other, so that Redis serves its other clients in between.

    A script rather than a pipeline: the server does the per-queue work and answers one string,
    so the cost on our side does not grow by nine parsed replies per queue.
    """
    if slice_size and len(names) > slice_size:
        result = []
        for start in range(0, len(names), slice_size):
            chunk = names[start : start + slice_size]
            result += await read_counts(client, prefix, chunk, states)
        return result
    if not names:
        return []
    layout = ",".join(
        f"{STATE_KEYS[state][0]}:{'l' if STATE_KEYS[state][1] == 'list' else 'z'}"
        for state in states
    )
    script = client.register_script(_COUNTS_LUA)  # EVALSHA, loaded on first NOSCRIPT
    cutoff = int(time.time() * 1000) - OVERDUE_GRACE_MS
    reply = await script(keys=[], args=[f"{prefix}:", layout, cutoff, *names])
    text = reply.decode() if isinstance(reply, bytes) else str(reply)
    states = tuple(states)
    result = []
    for line in text.split("\n") if text else []:
        *numbers, paused, overdue = map(int, line.split(","))
        if min(numbers, default=0) >= 0:  # every key of the right type: the common case
            counts = dict(zip(states, numbers, strict=True))
            result.append(QueueCounts(counts, bool(paused), None, bool(overdue)))
            continue
        counts, problems = {}, []
        for state, number in zip(states, numbers, strict=True):
            if number < 0:
                problems.append(f"{STATE_KEYS[state][0]}: not a {STATE_KEYS[state][1]}")
            counts[state] = max(number, 0)
        problem = "Unexpected key types (" + "; ".join(problems) + ")."
        result.append(QueueCounts(counts, bool(paused), problem, bool(overdue)))
    return result


@dataclass
class PageRow:
    id: str
    score: float | None
    fields: dict[str, bytes | None]
    sizes: dict[str, int | None]


@dataclass
class RawPage:
    total: int
    key_type: str
    rows: list[PageRow] = field(default_factory=list)
    #: For a search: the jobs read, how many of them matched, how many had a field too large
    #: to search. For both: how many script calls (slices) it took.
    scanned: int = 0
    matches: int = 0
    too_large: int = 0
    slices: int = 0


def ascii_lower(text: str) -> str:
    """Lower-case A-Z only, as the script's ``string.lower`` does with the jobs' bytes."""
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _rows(raw_rows: Sequence[Any]) -> list[PageRow]:
    rows = []
    for raw in raw_rows:
        job_id, score = raw[0], raw[1]
        values = raw[2:]
        rows.append(
            PageRow(
                id=job_id.decode("utf-8", "replace"),
                score=float(score) if score is not None else None,
                fields={name: values[2 * i] for i, name in enumerate(PAGE_FIELDS)},
                sizes={name: values[2 * i + 1] for i, name in enumerate(PAGE_FIELDS)},
            )
        )
    return rows


def _type_name(reply: Any) -> str:
    return reply.decode() if isinstance(reply, bytes) else ""


async def read_page(
    script: Any, prefix: str, queue: str, state: JobState, start: int, stop: int
) -> RawPage:
    """Jobs ``start``..``stop`` of ``state``: one script call, or more when they carry large
    values (each call copies at most ``PAGE_SLICE_BYTES`` of them, past its first job)."""
    keys = QueueKeys(prefix, queue)
    order = "desc" if NEWEST_FIRST[state] else "asc"
    page = RawPage(0, "")
    position, anchor, wanted = start, b"", stop - start + 1
    while wanted > 0:
        reply = await script(
            keys=[keys.state(state)],
            args=[
                keys.base, STATE_KEYS[state][1], position, wanted, order, PAGE_VALUE_CAP,
                anchor, PAGE_SLICE_BYTES,
            ],
        )  # fmt: skip
        total, actual_type, raw_rows, consumed, at, last = reply
        page.total, page.key_type = int(total), _type_name(actual_type)
        page.rows += _rows(raw_rows)
        page.slices += 1
        wanted -= int(consumed)
        position, anchor = int(at), last or anchor
        if not int(consumed):  # the state ends here
            break
    return page


async def search_page(
    script: Any,
    prefix: str,
    queue: str,
    state: JobState,
    start: int,
    stop: int,
    text: str,
    scan_limit: int,
) -> RawPage:
    """Matches ``start``..``stop`` of the jobs holding ``text`` among the first ``scan_limit``
    of ``state`` (and the first ``SEARCH_BYTE_BUDGET`` bytes of their fields).

    Read in slices, one script call each, every slice going on after the last job the previous
    one read (see lua/search.lua): Redis runs one script at a time, and a slice is short.
    Between slices the state may change; a job that moves meanwhile can be missed or read
    twice, as with any list read page by page.
    """
    keys = QueueKeys(prefix, queue)
    order = "desc" if NEWEST_FIRST[state] else "asc"
    page = RawPage(0, "")
    position, anchor, read_bytes = 0, b"", 0
    while page.scanned < scan_limit and read_bytes < SEARCH_BYTE_BUDGET:
        reply = await script(
            keys=[keys.state(state)],
            args=[
                keys.base, STATE_KEYS[state][1], order, PAGE_VALUE_CAP, ascii_lower(text),
                position, anchor, min(SEARCH_SLICE_JOBS, scan_limit - page.scanned),
                SEARCH_BYTE_BUDGET - read_bytes, SEARCH_SLICE_BYTES, SEARCH_FIELD_CAP,
                page.matches, start, stop,
            ],
        )  # fmt: skip
        total, actual_type, raw_rows, read, matched, slice_bytes, at, last, too_large, ended = reply
        page.total, page.key_type = int(total), _type_name(actual_type)
        page.rows += _rows(raw_rows)
        page.scanned += int(read)
        page.matches += int(matched)
        page.too_large += int(too_large)
        page.slices += 1
        read_bytes += int(slice_bytes)
        position, anchor = int(at), last or anchor
        if ended or not int(read):
            break
    return page


@dataclass
class RawJob:
    fields: dict[str, bytes]
    logs: list[bytes]
    log_count: int
    dependencies: list[bytes]
    processed: dict[bytes, bytes]
    failed: dict[bytes, bytes]
    unsuccessful: list[bytes]
    #: Each state whose key holds the job, with the job's score there (None for lists).
    found_in: list[tuple[JobState, float | None]]
    problems: list[str]


def _pairs(flat: Any) -> dict[bytes, bytes]:
    """A hash read inside a script (a flat field, value, … list) as a dict."""
    return dict(zip(flat[::2], flat[1::2], strict=True)) if isinstance(flat, list) else {}


async def read_job(
    client: redis.asyncio.Redis, prefix: str, queue: str, job_id: str, log_lines: int
) -> RawJob:
    """The job hash, its newest logs, its children and the states holding it: one script call
    (``lua/job.lua``), so one reply to parse and one snapshot of the job."""
    keys = QueueKeys(prefix, queue)
    kinds = "".join("z" if key_type == "zset" else "l" for _, key_type in STATE_KEYS.values())
    parts = ("logs", "dependencies", "processed", "failed", "unsuccessful")
    job_keys = [
        keys.job(job_id),
        *(keys.job_part(job_id, part) for part in parts),
        *(keys.state(state) for state in STATE_KEYS),
    ]
    args: list[str | int] = [job_id, max(log_lines, 0), kinds]
    script = _job_scripts.get(client)
    if script is None:
        # The first read on a client sends the script itself (EVAL also caches it on the
        # server), so that it is one round trip too; later ones send its SHA.
        reply = await client.eval(_JOB_LUA, len(job_keys), *job_keys, *args)
        _job_scripts[client] = client.register_script(_JOB_LUA)
    else:
        reply = await script(keys=job_keys, args=args)  # EVALSHA, reloaded on a NOSCRIPT
    job, logs, log_count, dependencies, processed, failed, unsuccessful, found, errors = reply
    found_in: list[tuple[JobState, float | None]] = [
        (state, float(score) if key_type == "zset" else None)
        for (state, (_, key_type)), score in zip(STATE_KEYS.items(), found, strict=True)
        if score is not None
    ]
    return RawJob(
        fields={reply_text(name): value for name, value in _pairs(job).items()},
        logs=list(logs),
        log_count=int(log_count),
        dependencies=sorted(dependencies),
        processed=_pairs(processed),
        failed=_pairs(failed),
        unsuccessful=list(unsuccessful),
        found_in=found_in,
        problems=[f"A related key could not be read: {reply_text(error)}" for error in errors],
    )


_JOB_LUA = resources.files(__package__).joinpath("lua", "job.lua").read_text("utf-8")
_job_scripts: weakref.WeakKeyDictionary[redis.asyncio.Redis, Any] = weakref.WeakKeyDictionary()
