"""The rollups in the board's database: added to as the recorder writes, read by the charts.

Each write adds one batch of per-minute tallies to the minute, hour and day rows they fall in,
in one transaction (the rows it touches read in one query, then updated or created in bulk).
Rows older than their resolution keeps (``Resolution.keep_seconds``) are deleted at most every
``PRUNE_SECONDS``, so a queue holds at most ``buckets.rows_bound()`` rows.

Synchronous (the ORM); the recorder and the views call it through ``sync_to_async``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Q

from .buckets import Histogram, Resolution, Tally, merge
from .models import MetricRollup

#: (backend alias, queue, minute start) -> what finished in that minute.
MinuteTallies = Mapping[tuple[str, str, int], Tally]
PRUNE_SECONDS = 600
#: Queue names per query (SQLite allows 999 parameters in old builds).
CHUNK = 500
_last_prune: dict[str, float] = {"at": 0.0}


@dataclass
class Row:
    """One stored rollup as the charts read it."""

    start: int
    completed: int = 0
    failed: int = 0
    wait: Histogram = field(default_factory=dict)
    run: Histogram = field(default_factory=dict)


def rollups(tallies: MinuteTallies) -> dict[tuple[str, str, Resolution, int], Tally]:
    """The minute tallies added up into the rows of every resolution."""
    rows: dict[tuple[str, str, Resolution, int], Tally] = {}
    for (alias, queue, minute), tally in tallies.items():
        for resolution in Resolution:
            key = (alias, queue, resolution, resolution.start(minute))
            rows.setdefault(key, Tally()).add(tally)
    return rows


def write(tallies: MinuteTallies, *, now: float | None = None) -> int:
    """Add ``tallies`` to the stored rows; returns the rows written."""
    rows = {key: tally for key, tally in rollups(tallies).items() if not tally.empty}
    if not rows:
        return 0
    match = reduce(
        or_,
        (
            Q(backend=alias, queue=queue, resolution=res.value, start=start)
            for alias, queue, res, start in rows
        ),
    )
    with transaction.atomic():
        existing = {
            (row.backend, row.queue, Resolution(row.resolution), row.start): row
            for row in MetricRollup.objects.select_for_update().filter(match)
        }
        changed, created = [], []
        for key, tally in rows.items():
            row = existing.get(key)
            if row is None:
                alias, queue, res, start = key
                row = MetricRollup(backend=alias, queue=queue, resolution=res.value, start=start)
                created.append(row)
            else:
                changed.append(row)
            row.completed += tally.completed
            row.failed += tally.failed
            row.wait = merge(dict(row.wait or {}), tally.wait)
            row.run = merge(dict(row.run or {}), tally.run)
        if changed:
            MetricRollup.objects.bulk_update(changed, ["completed", "failed", "wait", "run"])
        if created:
            MetricRollup.objects.bulk_create(created)
    prune(now=now)
    return len(rows)


def prune(*, now: float | None = None, force: bool = False) -> int:
    """Delete the rows their resolution no longer keeps (at most every ``PRUNE_SECONDS``)."""
    now = time.time() if now is None else now
    if not force and now - _last_prune["at"] < PRUNE_SECONDS:
        return 0
    _last_prune["at"] = now
    deleted = 0
    for resolution in Resolution:
        cutoff = resolution.start(now - resolution.keep_seconds)
        deleted += MetricRollup.objects.filter(
            resolution=resolution.value, start__lt=cutoff
        ).delete()[0]
    return deleted


def read(alias: str, queue: str, resolution: Resolution, since: int) -> list[Row]:
    """The rows of one queue and resolution starting at or after ``since``, oldest first."""
    found = MetricRollup.objects.filter(
        backend=alias, queue=queue, resolution=resolution.value, start__gte=since
    ).order_by("start")
    return [
        Row(r.start, r.completed, r.failed, dict(r.wait or {}), dict(r.run or {})) for r in found
    ]


def read_many(
    queues: Iterable[tuple[str, str]], resolution: Resolution, since: int
) -> dict[tuple[str, str], list[Row]]:
    """The rows of many queues (one query per backend), without their histograms."""
    by_alias: dict[str, list[str]] = {}
    for alias, queue in queues:
        by_alias.setdefault(alias, []).append(queue)
    result: dict[tuple[str, str], list[Row]] = {}
    for alias, names in by_alias.items():
        for first in range(0, len(names), CHUNK):
            found = (
                MetricRollup.objects.filter(
                    backend=alias,
                    queue__in=names[first : first + CHUNK],
                    resolution=resolution.value,
                    start__gte=since,
                )
                .order_by("start")
                .values_list("queue", "start", "completed", "failed")
            )
            for queue, start, completed, failed in found:
                result.setdefault((alias, queue), []).append(Row(start, completed, failed))
    return result
