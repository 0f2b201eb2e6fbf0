"""A queue's chart data for one range: points of finished jobs, failures and percentiles.

=======  ===============  ==================  =============================================
Range    Points           Rows read           Workers' own counts merged (BullMQ ``metrics``)
=======  ===============  ==================  =============================================
hour     60 minutes       60 minute rows      the last 60 minutes
day      24 hours         24 hour rows        the last 1,440 minutes, summed per hour
90d      90 days          90 day rows         up to two weeks of minutes, summed per day
=======  ===============  ==================  =============================================

Where the workers count finished jobs themselves, a point shows the larger of the two counts
(the recorder misses what finished while no board was reading; the workers miss nothing but
keep no failures' causes or times). Wait and run percentiles come from the recorder only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum

from asgiref.sync import sync_to_async
from django.utils.translation import gettext_lazy as _

from ..backends.base import QueueBackend
from ..backends.errors import BackendError
from ..backends.history_types import NativeThroughput
from . import store
from .buckets import Histogram, Resolution, merge, merged, percentile


class Range(StrEnum):
    HOUR = "hour"
    DAY = "day"
    DAYS_90 = "90d"

    @property
    def resolution(self) -> Resolution:
        return {
            Range.HOUR: Resolution.MINUTE,
            Range.DAY: Resolution.HOUR,
            Range.DAYS_90: Resolution.DAY,
        }[self]

    @property
    def points(self) -> int:
        return {Range.HOUR: 60, Range.DAY: 24, Range.DAYS_90: 90}[self]

    @property
    def label(self) -> str:
        return str(
            {
                Range.HOUR: _("Last hour"),
                Range.DAY: _("Last day"),
                Range.DAYS_90: _("Last 90 days"),
            }[self]
        )

    @classmethod
    def parse(cls, value: str | None) -> Range:
        try:
            return cls(value or cls.HOUR.value)
        except ValueError:
            return cls.HOUR


@dataclass
class Point:
    start: int
    completed: int = 0
    failed: int = 0
    wait: Histogram = field(default_factory=dict)
    run: Histogram = field(default_factory=dict)

    @property
    def wait_p50(self) -> float | None:
        return percentile(self.wait, 50)

    @property
    def wait_p95(self) -> float | None:
        return percentile(self.wait, 95)

    @property
    def run_p50(self) -> float | None:
        return percentile(self.run, 50)

    @property
    def run_p95(self) -> float | None:
        return percentile(self.run, 95)


@dataclass
class Series:
    range: Range
    step: int
    points: list[Point]
    #: The workers' own counts were merged in.
    native: bool = False

    @property
    def completed(self) -> int:
        return sum(p.completed for p in self.points)

    @property
    def failed(self) -> int:
        return sum(p.failed for p in self.points)

    @property
    def peak(self) -> int:
        return max((p.completed + p.failed for p in self.points), default=0)

    @property
    def wait(self) -> Histogram:
        return merged(p.wait for p in self.points)

    @property
    def run(self) -> Histogram:
        return merged(p.run for p in self.points)

    @property
    def empty(self) -> bool:
        return not (self.completed or self.failed or self.wait or self.run)


def build(chosen: Range, rows: list[store.Row], now: float) -> Series:
    """The range's points from stored rows (missing points are zeros), oldest first."""
    resolution = chosen.resolution
    step = resolution.seconds
    newest = resolution.start(now)
    first = newest - (chosen.points - 1) * step
    points = {first + i * step: Point(first + i * step) for i in range(chosen.points)}
    for row in rows:
        point = points.get(resolution.start(row.start))
        if point is None:
            continue
        point.completed += row.completed
        point.failed += row.failed
        merge(point.wait, row.wait)
        merge(point.run, row.run)
    return Series(chosen, step, list(points.values()))


def merge_native(series: Series, native: NativeThroughput) -> None:
    """Raise each point's counts to the workers' own where those are larger."""
    first = series.points[0].start if series.points else 0
    step = series.step
    size = len(series.points)
    sums = []
    for counts in (native.completed, native.failed):
        per_point = [0] * size
        for i, n in enumerate(counts):
            if n:
                index = (native.newest_minute - i * 60 - first) // step
                if 0 <= index < size:
                    per_point[index] += n
        sums.append(per_point)
    for point, completed, failed in zip(series.points, sums[0], sums[1], strict=True):
        point.completed = max(point.completed, completed)
        point.failed = max(point.failed, failed)
    series.native = True


#: Minutes of the workers' own counts read per range.
NATIVE_MINUTES = {Range.HOUR: 60, Range.DAY: 1440, Range.DAYS_90: 20160}


async def queue_series(
    backend: QueueBackend, queue: str, chosen: Range, *, now: float | None = None
) -> Series:
    """The chart data of one queue and range: stored rows (one query), and the workers' own
    counts where the backend has them (one bounded read)."""
    now = time.time() if now is None else now
    resolution = chosen.resolution
    since = resolution.start(now) - (chosen.points - 1) * resolution.seconds
    rows = await sync_to_async(store.read)(backend.alias, queue, resolution, since)
    series = build(chosen, rows, now)
    if backend.supports_native_throughput:
        try:
            native = await backend.native_throughput(queue, NATIVE_MINUTES[chosen])
        except BackendError:
            native = None
        if native is not None:
            merge_native(series, native)
    return series


def sparkline_points(rows: list[store.Row], now: float, minutes: int = 60) -> list[tuple[int, int]]:
    """(completed, failed) per minute of the last ``minutes``, oldest first."""
    newest = Resolution.MINUTE.start(now)
    first = newest - (minutes - 1) * 60
    counts = {row.start: (row.completed, row.failed) for row in rows}
    return [counts.get(first + i * 60, (0, 0)) for i in range(minutes)]
