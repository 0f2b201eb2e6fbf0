"""The metrics API's JSON: one queue's series for a range
(``api/queues/<alias>/<queue>/metrics``)."""

from __future__ import annotations

from typing import Any

from .buckets import Histogram, percentile
from .series import Series


def _ms(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _percentiles(hist: Histogram) -> dict[str, float | None]:
    return {"p50": _ms(percentile(hist, 50)), "p95": _ms(percentile(hist, 95))}


def series_to_dict(series: Series) -> dict[str, Any]:
    return {
        "range": series.range.value,
        "step_seconds": series.step,
        "native": series.native,
        "completed": series.completed,
        "failed": series.failed,
        "wait_ms": {
            "p50": _ms(percentile(series.wait, 50)),
            "p95": _ms(percentile(series.wait, 95)),
        },
        "run_ms": {"p50": _ms(percentile(series.run, 50)), "p95": _ms(percentile(series.run, 95))},
        "points": [
            {
                "start": point.start,
                "completed": point.completed,
                "failed": point.failed,
                "wait_ms": {"p50": _ms(point.wait_p50), "p95": _ms(point.wait_p95)},
                "run_ms": {"p50": _ms(point.run_p50), "p95": _ms(point.run_p95)},
            }
            for point in series.points
        ],
    }
