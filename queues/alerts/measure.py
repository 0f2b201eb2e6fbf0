"""Each rule's value for each queue it covers, from reads the board does anyway.

Per backend a rule covers: one ``list_queues`` (every queue's counts in one round trip); where
a ``no_workers`` rule applies, one ``queues_without_workers`` for all its queues; where a
``failure_rate`` rule applies, one query of the minute rollups (``history.store.read_many``)
for all its queues. Health rules (``oldest_waiting``, ``health``) read the health check, which
keeps its results for ``HEALTH_CACHE_SECONDS`` (``queues.health``), for at most
``MAX_HEALTH_QUEUES`` queues per evaluation. A backend that cannot be read gives no values:
its alerts keep their state until it can.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.db import DatabaseError

from .. import health
from ..backends.base import QueueBackend
from ..backends.errors import BackendError
from ..backends.types import QueueSummary
from ..history import store
from ..history.buckets import Resolution
from ..states import JobState
from .rules import AlertRule, Kind

logger = logging.getLogger("queues.alerts")
#: Queues whose health check one evaluation reads at most (kept results are reused).
MAX_HEALTH_QUEUES = 100


@dataclass(frozen=True)
class Measure:
    rule: AlertRule
    backend: str
    queue: str
    value: float


async def _without_workers(backend: QueueBackend, names: list[str]) -> set[str] | None:
    if not backend.supports_worker_presence:
        return None
    try:
        return await backend.queues_without_workers(names)
    except BackendError as exc:
        logger.warning("Alerts: workers of %s unreadable: %s", backend.alias, exc)
        return None


def _failure_rates(
    alias: str, names: list[str], window: int, now: float
) -> dict[str, tuple[int, int]]:
    """queue -> (failed, finished) over the last ``window`` seconds of minute rollups."""
    since = int((now - window) // 60) * 60
    rows = store.read_many([(alias, name) for name in names], Resolution.MINUTE, since)
    return {
        queue: (sum(r.failed for r in found), sum(r.failed + r.completed for r in found))
        for (_alias, queue), found in rows.items()
    }


async def measure_backend(
    backend: QueueBackend, rules: Sequence[AlertRule], budget: list[int], now: float
) -> list[Measure]:
    """The values of ``rules`` (those covering ``backend``) for its queues."""
    try:
        summaries: list[QueueSummary] = await backend.list_queues()
    except BackendError as exc:
        logger.warning("Alerts: %s unreadable: %s", backend.alias, exc)
        return []
    queues = [s for s in summaries if s.problem is None and not backend.is_queue_hidden(s.name)]
    covered = {r: [s for s in queues if r.applies_to(backend.alias, s.name)] for r in rules}
    kinds = {r.kind for r, found in covered.items() if found}
    idle: set[str] | None = None
    if Kind.NO_WORKERS in kinds:
        names = sorted({s.name for r, f in covered.items() if r.kind == Kind.NO_WORKERS for s in f})
        idle = await _without_workers(backend, names)
    rates: dict[int, dict[str, tuple[int, int]]] = {}
    for rule, found in covered.items():
        if rule.kind == Kind.FAILURE_RATE and found and rule.window not in rates:
            names = [s.name for s in found]
            try:
                rates[rule.window] = await sync_to_async(_failure_rates)(
                    backend.alias, names, rule.window, now
                )
            except DatabaseError as exc:
                logger.warning("Alerts: history unreadable: %s", exc)
                rates[rule.window] = {}
    measures: list[Measure] = []
    for rule, found in covered.items():
        for summary in found:
            value = await _value(backend, rule, summary, idle, rates, budget)
            if value is not None:
                measures.append(Measure(rule, backend.alias, summary.name, value))
    return measures


async def _value(
    backend: QueueBackend,
    rule: AlertRule,
    summary: QueueSummary,
    idle: set[str] | None,
    rates: dict[int, dict[str, tuple[int, int]]],
    budget: list[int],
) -> float | None:
    waiting = summary.counts.get(JobState.WAITING, 0)
    if rule.kind == Kind.FAILED:
        return float(summary.counts.get(JobState.FAILED, 0))
    if rule.kind == Kind.WAITING:
        return float(waiting)
    if rule.kind == Kind.NO_WORKERS:
        if idle is None:
            return None
        return 1.0 if summary.name in idle and waiting > 0 else 0.0
    if rule.kind == Kind.FAILURE_RATE:
        failed, finished = rates.get(rule.window, {}).get(summary.name, (0, 0))
        return failed / finished if finished >= rule.min_jobs else 0.0
    report = await _health(backend, summary.name, budget)
    if report is None:
        return None
    if rule.kind == Kind.OLDEST_WAITING:
        seconds = report.sample.oldest_waiting_seconds
        return float(seconds) if seconds is not None else 0.0
    return 1.0 if any(f.code == rule.finding for f in report.findings) else 0.0


async def _health(
    backend: QueueBackend, queue: str, budget: list[int]
) -> health.HealthReport | None:
    kept = health.kept_report(backend.alias, queue)
    if kept is not None or not backend.supports_health:
        return kept
    if budget[0] <= 0:
        return None
    budget[0] -= 1
    try:
        return await health.check_queue(backend, queue)
    except BackendError as exc:
        logger.warning("Alerts: health of %s:%s unreadable: %s", backend.alias, queue, exc)
        return None


async def measure_all(
    rules: Sequence[AlertRule], backends: Iterable[QueueBackend], now: float | None = None
) -> list[Measure]:
    """Every rule's value for every queue it covers, backend after backend."""
    now = time.time() if now is None else now
    budget = [MAX_HEALTH_QUEUES]
    measures: list[Measure] = []
    for backend in backends:
        covering = [r for r in rules if r.backend in (None, backend.alias)]
        if covering:
            measures += await measure_backend(backend, covering, budget, now)
    return measures
