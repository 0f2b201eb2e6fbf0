"""The ``/metrics`` endpoint's content: every visible queue's counts in Prometheus' text format.

Series and label names are BullMQ's own (``Queue.exportPrometheusMetrics``), so dashboards
built for it work unchanged: ``bullmq_job_count{queue, state}`` (a gauge per state),
``bullmq_job_completed_total{queue}`` and ``bullmq_job_failed_total{queue}`` (counters, only
for queues whose totals are known). One label is added, ``backend`` (the board's alias), since
two backends may hold queues of the same name.

Cost: the overview's counts read (one script call per backend, reused for
``COUNTS_CACHE_SECONDS``) and, for backends with ``supports_job_totals``, one more read for
all their queues. Label values are escaped by ``prometheus_client``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .backends import backends
from .backends.base import QueueBackend
from .backends.errors import BackendError
from .backends.metric_types import JobTotals
from .backends.types import QueueSummary
from .reading import list_queues

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class BackendMetrics:
    backend: QueueBackend
    queues: list[QueueSummary] = field(default_factory=list)
    totals: dict[str, JobTotals] = field(default_factory=dict)
    up: bool = True


async def _read(backend: QueueBackend) -> BackendMetrics:
    try:
        queues = [q for q in await list_queues(backend) if not backend.is_queue_hidden(q.name)]
        totals = {}
        if backend.supports_job_totals and queues:
            totals = await backend.job_totals([q.name for q in queues])
        return BackendMetrics(backend, queues, totals)
    except BackendError:
        return BackendMetrics(backend, up=False)


async def read_metrics() -> list[BackendMetrics]:
    """Every backend's queues, read concurrently (hidden queues left out)."""
    return list(await asyncio.gather(*(_read(backends[alias]) for alias in backends)))


class QueueCollector(Collector):
    """Yields the families of one read (``read_metrics``); registered in a registry of its own
    for each scrape, so nothing is shared between requests."""

    def __init__(self, sections: list[BackendMetrics]) -> None:
        self.sections = sections

    def collect(self) -> Iterator[Metric]:
        counts = GaugeMetricFamily(
            "bullmq_job_count",
            "Number of jobs in the queue by state",
            labels=["queue", "state", "backend"],
        )
        completed = CounterMetricFamily(
            "bullmq_job_completed", "Total number of completed jobs", labels=["queue", "backend"]
        )
        failed = CounterMetricFamily(
            "bullmq_job_failed", "Total number of failed jobs", labels=["queue", "backend"]
        )
        up = GaugeMetricFamily(
            "queueboard_backend_up",
            "Whether the board could read the backend (1) or not (0)",
            labels=["backend"],
        )
        for section in self.sections:
            alias = section.backend.alias
            up.add_metric([alias], 1 if section.up else 0)
            for queue in section.queues:
                for state, number in queue.counts.items():
                    counts.add_metric([queue.name, str(state), alias], number)
                totals = section.totals.get(queue.name)
                if totals is not None and totals.completed is not None:
                    completed.add_metric([queue.name, alias], totals.completed)
                if totals is not None and totals.failed is not None:
                    failed.add_metric([queue.name, alias], totals.failed)
        yield counts
        yield completed
        yield failed
        yield up


def exposition(sections: list[BackendMetrics]) -> bytes:
    """The text exposition format of one read."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(QueueCollector(sections))
    return generate_latest(registry)
