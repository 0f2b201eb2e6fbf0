"""The rollups' resolutions and the latency histograms they carry.

Each rollup row covers one minute, hour or day of one queue. Wait and run times are kept as
sparse log-scale histograms (bucket index → count, each bucket 25 % wider than the one below,
from 1 ms to beyond a day), so rows merge by adding and percentiles come out within about 12 %
whatever the number of jobs, in at most ``HIST_SIZE`` numbers a row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

RATIO = 1.25
_LOG_RATIO = math.log(RATIO)
#: Buckets at most (1.25 ** 90 ms is about 6 days; longer times fall in the last one).
HIST_SIZE = 90
Histogram = dict[str, int]  # JSON keys are strings


class Resolution(StrEnum):
    MINUTE = "m"
    HOUR = "h"
    DAY = "d"

    @property
    def seconds(self) -> int:
        return {Resolution.MINUTE: 60, Resolution.HOUR: 3600, Resolution.DAY: 86400}[self]

    @property
    def keep_seconds(self) -> int:
        """How long rows of this resolution are kept: a day of minutes, 90 days of hours,
        days for ``DAYS_KEPT`` days."""
        return {
            Resolution.MINUTE: 86400 + 3600,
            Resolution.HOUR: 90 * 86400 + 86400,
            Resolution.DAY: DAYS_KEPT * 86400,
        }[self]

    def start(self, epoch_seconds: float) -> int:
        """The start of the row holding ``epoch_seconds`` (UTC)."""
        return int(epoch_seconds // self.seconds) * self.seconds


#: Day rows kept (two years; the table holds at most this many per queue).
DAYS_KEPT = 2 * 366


def rows_bound() -> int:
    """Rows one queue holds at most, every resolution together."""
    return sum(r.keep_seconds // r.seconds + 1 for r in Resolution)


def bucket_of(ms: float) -> int:
    if ms < 1:
        return 0
    return min(int(math.log(ms) / _LOG_RATIO) + 1, HIST_SIZE - 1)


def bucket_upper_ms(index: int) -> float:
    """The upper bound of a bucket (its lower bound times 1.25)."""
    return RATIO**index if index > 0 else 1.0


def add_sample(hist: Histogram, ms: float) -> None:
    key = str(bucket_of(ms))
    hist[key] = hist.get(key, 0) + 1


def merge(into: Histogram, other: Mapping[str, int]) -> Histogram:
    for key, count in other.items():
        if isinstance(count, int) and count > 0 and key.isdigit() and int(key) < HIST_SIZE:
            into[key] = into.get(key, 0) + count
    return into


def merged(histograms: Iterable[Mapping[str, int]]) -> Histogram:
    total: Histogram = {}
    for hist in histograms:
        merge(total, hist)
    return total


def percentile(hist: Mapping[str, int], p: float) -> float | None:
    """The ``p``-th percentile (0 to 100) in ms, from the geometric middle of its bucket; None
    without samples."""
    counts = sorted((int(k), v) for k, v in hist.items() if v > 0)
    total = sum(v for _, v in counts)
    if not total:
        return None
    wanted = max(math.ceil(total * p / 100), 1)
    seen = 0
    for index, count in counts:
        seen += count
        if seen >= wanted:
            upper = bucket_upper_ms(index)
            return upper if index == 0 else upper / math.sqrt(RATIO)
    return bucket_upper_ms(counts[-1][0])


@dataclass
class Tally:
    """What one queue did in one row's span, before it is added to the stored row."""

    completed: int = 0
    failed: int = 0
    wait: Histogram = field(default_factory=dict)
    run: Histogram = field(default_factory=dict)

    def add(self, other: Tally) -> None:
        self.completed += other.completed
        self.failed += other.failed
        merge(self.wait, other.wait)
        merge(self.run, other.run)

    @property
    def empty(self) -> bool:
        return not (self.completed or self.failed or self.wait or self.run)
