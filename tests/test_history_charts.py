"""The history's charts and API: empty, one point and full ranges render (SVG shapes only,
names escaped), the JSON API answers per range, rollups stay bounded, percentiles hold, and
BullMQ's own per-minute counts map to wall time through ``prevTS``."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from queues.backends.bullmq.history import native_series
from queues.history import store
from queues.history.buckets import Resolution, Tally, add_sample, percentile, rows_bound
from queues.history.charts import sparkline
from queues.history.models import MetricRollup
from queues.history.panel import panel_context
from queues.history.series import Range, build, sparkline_points
from tests import sample_tasks

pytestmark = pytest.mark.django_db
NOW = 1_800_000_000.0  # a fixed moment, a minute's start
NASTY = 'q<script>alert("x")</script>&\'"'


def tally(completed: int = 0, failed: int = 0, run_ms: float | None = None) -> Tally:
    t = Tally(completed, failed)
    if run_ms is not None:
        add_sample(t.run, run_ms)
        add_sample(t.wait, run_ms / 10)
    return t


def rendered(series: Any, queue: str = "q") -> str:
    context = panel_context(type("B", (), {"alias": "tasks"})(), queue, series)  # type: ignore[arg-type]
    return "".join(str(context[k]) for k in ("throughput_chart", "wait_chart", "run_chart"))


def shapes(svg: str) -> dict[str, int]:
    return {tag: len(re.findall(f"<{tag} ", svg)) for tag in ("rect", "polyline")}


@pytest.mark.parametrize("chosen", list(Range))
def test_an_empty_range_renders_axes_only(chosen: Range) -> None:
    svg = rendered(build(chosen, [], NOW))
    assert svg.count("<svg ") == 3 and "<title" in svg and "<desc" in svg
    assert shapes(svg) == {"rect": 0, "polyline": 0}
    assert "style=" not in svg and "<script" not in svg


def test_one_point_is_a_bar_and_dashes() -> None:
    store.write({("tasks", "q", int(NOW) - 60): tally(3, 1, run_ms=250)}, now=NOW)
    rows = store.read("tasks", "q", Resolution.MINUTE, 0)
    svg = rendered(build(Range.HOUR, rows, NOW))
    # One bar of completed, one of failed on top; p50 and p95 dashes in both latency charts.
    assert shapes(svg) == {"rect": 2, "polyline": 4}


def test_a_full_range_has_every_point() -> None:
    tallies = {
        ("tasks", "q", int(NOW) - 60 * i): tally(i + 1, i % 2, run_ms=10 * (i + 1))
        for i in range(60)
    }
    store.write(tallies, now=NOW)
    series = build(Range.HOUR, store.read("tasks", "q", Resolution.MINUTE, 0), NOW)
    assert len(series.points) == 60 and series.completed == sum(range(1, 61))
    svg = rendered(series)
    assert shapes(svg)["rect"] == 60 + 30
    # The day and 90-day ranges read the hour and day rows the same write made.
    day = build(Range.DAY, store.read("tasks", "q", Resolution.HOUR, 0), NOW)
    days = build(Range.DAYS_90, store.read("tasks", "q", Resolution.DAY, 0), NOW)
    assert day.completed == days.completed == series.completed


def test_queue_names_are_escaped_in_the_svg_and_the_sparkline() -> None:
    store.write({("tasks", NASTY, int(NOW)): tally(2, 1, run_ms=5)}, now=NOW)
    svg = rendered(build(Range.HOUR, store.read("tasks", NASTY, Resolution.MINUTE, 0), NOW), NASTY)
    spark = str(sparkline(sparkline_points([], NOW), NASTY))
    for text in (svg, spark):
        assert "<script" not in text and "&lt;script&gt;" in text
        assert 'alert("x")' not in text


def test_rollups_are_bounded_per_resolution() -> None:
    old = NOW - 200 * 86400
    store.write({("tasks", "q", int(old) + 60 * i): tally(1) for i in range(5)}, now=old)
    store.write({("tasks", "q", int(NOW)): tally(1)}, now=NOW)
    store.prune(now=NOW, force=True)
    kept = {r: MetricRollup.objects.filter(resolution=r.value).count() for r in Resolution}
    # The 200-day-old minutes and hours are gone; only their day row is kept.
    assert kept == {Resolution.MINUTE: 1, Resolution.HOUR: 1, Resolution.DAY: 2}
    assert rows_bound() == 1501 + 2185 + 733


def test_percentiles_within_the_histograms_precision() -> None:
    hist: dict[str, int] = {}
    for ms in range(1, 1001):
        add_sample(hist, ms)
    p50, p95 = percentile(hist, 50), percentile(hist, 95)
    assert p50 is not None and abs(p50 - 500) / 500 < 0.13
    assert p95 is not None and abs(p95 - 950) / 950 < 0.13
    assert percentile({}, 50) is None


def test_native_counts_are_anchored_on_prev_ts() -> None:
    now_minute = int(NOW)
    # The live minute (prevTS two minutes ago) holds count - prevCount = 4; data[0] is the
    # minute before it; the two minutes since had no finished job.
    prev_ts = (now_minute - 120) * 1000 + 5000
    assert native_series(b"20", str(prev_ts).encode(), b"16", [b"7", b"9"], now_minute) == [
        0,
        0,
        4,
        7,
        9,
    ]
    assert native_series(None, None, None, [], now_minute) is None


def test_the_api_answers_each_range(staff_client: Any, tasks_settings: Any) -> None:
    sample_tasks.add.using(queue_name="api-q").enqueue(1, 2)
    store.write({("tasks", "api-q", int(time.time()) // 60 * 60): tally(5, 2, run_ms=40)})
    for chosen, points in (("hour", 60), ("day", 24), ("90d", 90)):
        response = staff_client.get(f"/api/queues/tasks/api-q/metrics?range={chosen}")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["range"] == chosen and len(body["points"]) == points
        assert (body["completed"], body["failed"]) == (5, 2)
        assert body["run_ms"]["p50"] is not None
    missing = staff_client.get("/api/queues/tasks/no-such-queue/metrics")
    assert missing.status_code == 404


def test_the_panel_renders_for_htmx(staff_client: Any, tasks_settings: Any) -> None:
    sample_tasks.add.using(queue_name="panel-q").enqueue(1, 2)
    response = staff_client.get("/queue/tasks/panel-q/history/?range=day", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="history-panel"' in html and 'hx-trigger="every 30s"' in html
    assert "range=day" in html and "style=" not in html


def test_the_overview_draws_a_sparkline_of_the_last_hour(
    staff_client: Any, tasks_settings: Any
) -> None:
    from queues.history import sparklines

    sparklines.forget()
    sample_tasks.add.using(queue_name="spark-q").enqueue(1, 2)
    sample_tasks.add.using(queue_name="idle-q").enqueue(1, 2)
    store.write({("tasks", "spark-q", int(time.time()) // 60 * 60): tally(4, 1)})
    html = staff_client.get("/").content.decode()
    sparks = re.findall(r'<svg class="qb-spark"[^>]*aria-label="([^"]*)"', html)
    # One sparkline: the idle queue has none.
    assert sparks == ["spark-q, last hour: 4 completed, 1 failed"]
    sparklines.forget()


def test_the_recorder_keeps_at_most_a_writes_worth_of_ids(settings: Any) -> None:
    """Jobs beyond what one write reads times for are counted, not kept by id."""
    import asyncio

    from queues.backends.bullmq.backend import BullMQBackend
    from queues.history.recorder import Recorder
    from queues.states import JobState

    settings.QUEUEBOARD = {"HISTORY_TIMINGS_PER_FLUSH": 10}
    backend = BullMQBackend("b", {"OPTIONS": {"url": "redis://127.0.0.1:1/0"}})

    async def observe() -> Recorder:
        recorder = Recorder()
        moved = {str(n): (JobState.COMPLETED,) for n in range(25)}
        recorder.observe(backend, "q", moved, {JobState.COMPLETED: 25}, now=NOW)
        recorder.observe(backend, "q", moved, {JobState.COMPLETED: 25}, now=NOW)
        return recorder

    recorder = asyncio.run(observe())
    seen = recorder._seen[("b", "q")]
    assert len(seen.jobs) == 10
    assert sum(seen.unnamed.values()) == 40
