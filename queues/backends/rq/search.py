"""A bounded search of one state of an RQ queue: the first ``scan_limit`` jobs in the state's
order, read in pipelined chunks, matched on id, function, description, JSON arguments and the
failure line. Pickled arguments are never searched (they are never decoded)."""

from __future__ import annotations

import redis.asyncio

from ...states import JobState
from ..types import JobSummary
from .jobs import summary
from .reads import read_ids, read_rows

CHUNK = 500


def _matches(job: JobSummary, needle: str) -> bool:
    haystacks = [job.id, job.name, job.failed_reason or ""]
    if not job.data.opaque:
        haystacks.append(job.data.text)
    return any(needle in value.casefold() for value in haystacks)


async def search(
    client: redis.asyncio.Redis,
    backend: str,
    queue: str,
    state: JobState,
    text: str,
    scan_limit: int,
    start: int,
    stop: int,
) -> tuple[list[JobSummary], int, int, int]:
    """(the page ``start``..``stop`` of the matches, matches in all, jobs read, jobs in the
    state)."""
    needle = text.casefold()
    matches: list[JobSummary] = []
    scanned, total, offset = 0, 0, 0
    while offset < scan_limit:
        last = min(offset + CHUNK, scan_limit) - 1
        total, ids = await read_ids(client, queue, state, offset, last)
        rows = await read_rows(client, ids, with_result=state is JobState.FAILED)
        for row in rows:
            job = summary(backend, queue, row.id, state, row.score, row.fields)
            if _matches(job, needle):
                matches.append(job)
        scanned += len(ids)
        if len(ids) < last - offset + 1:
            break
        offset = last + 1
    return matches[start : stop + 1], len(matches), scanned, total
