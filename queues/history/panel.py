"""What the history panel's template shows: three charts, their labels and the table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from ..backends.base import QueueBackend
from ..conf import setting
from ..visible import visible_text
from .buckets import percentile
from .charts import duration, latency, throughput
from .series import Range, Series


@dataclass(frozen=True)
class TableRow:
    when: str
    iso: str
    completed: int
    failed: int
    wait: str
    run: str


def _when(start: int, chosen: Range) -> tuple[str, str]:
    moment = datetime.fromtimestamp(start, UTC)
    shown = moment.strftime("%Y-%m-%d" if chosen == Range.DAYS_90 else "%H:%M")
    return shown, moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _since(chosen: Range) -> str:
    return {
        Range.HOUR: _("60 min ago"),
        Range.DAY: _("24 h ago"),
        Range.DAYS_90: _("90 days ago"),
    }[chosen]


def panel_context(backend: QueueBackend, queue: str, series: Series) -> dict[str, Any]:
    name = visible_text(queue)
    wait_chart, wait_top = latency(series, "wait", "qb-history-wait", name)
    run_chart, run_top = latency(series, "run", "qb-history-run", name)
    rows = []
    for point in series.points:
        if point.completed or point.failed or point.wait or point.run:
            shown, iso = _when(point.start, series.range)
            rows.append(
                TableRow(
                    shown,
                    iso,
                    point.completed,
                    point.failed,
                    f"{duration(point.wait_p50)} / {duration(point.wait_p95)}",
                    f"{duration(point.run_p50)} / {duration(point.run_p95)}",
                )
            )
    return {
        "history_off": not setting("HISTORY"),
        "backend": backend,
        "queue_name": queue,
        "series": series,
        "ranges": list(Range),
        "since": _since(series.range),
        "throughput_chart": throughput(series, "qb-history-throughput", name),
        "wait_chart": wait_chart,
        "wait_top": duration(wait_top) if series.wait else None,
        "run_chart": run_chart,
        "run_top": duration(run_top) if series.run else None,
        "wait_p50": duration(percentile(series.wait, 50)),
        "wait_p95": duration(percentile(series.wait, 95)),
        "run_p50": duration(percentile(series.run, 50)),
        "run_p95": duration(percentile(series.run, 95)),
        "table": rows,
    }
