"""Server-rendered SVG charts of a queue's history, drawn with shapes only.

No script and no inline style (the board's CSP): colours come from classes in
``static/queues/history.css``, which use the palette's custom properties, so both themes read.
Each chart stretches to its box (``preserveAspectRatio="none"``, strokes that do not scale);
its labels are HTML next to it, so text never stretches. Every chart is an ``img`` with a
title and a description, and the panel has the same numbers as a table. Everything from the
queue (its name) is escaped by ``format_html``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .buckets import percentile
from .series import Series

HEIGHT = 100


def duration(ms: float | None) -> str:
    """A duration for people: 850 ms, 1.2 s, 3.5 min, 2.1 h."""
    if ms is None:
        return "\u2014"
    if ms < 1000:
        return _("%(n)s ms") % {"n": f"{ms:.0f}"}
    if ms < 60_000:
        return _("%(n)s s") % {"n": f"{ms / 1000:.1f}"}
    if ms < 3_600_000:
        return _("%(n)s min") % {"n": f"{ms / 60_000:.1f}"}
    return _("%(n)s h") % {"n": f"{ms / 3_600_000:.1f}"}


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _svg(kind: str, width: int, title: str, desc: str, body: SafeString, ident: str) -> SafeString:
    return format_html(
        '<svg class="qb-chart-svg qb-chart-{}" viewBox="0 0 {} {}" preserveAspectRatio="none" '
        'role="img" aria-labelledby="{}-title {}-desc" focusable="false">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '<line class="qb-chart-grid" x1="0" y1="{}" x2="{}" y2="{}" '
        'vector-effect="non-scaling-stroke"></line>'
        '<line class="qb-chart-grid" x1="0" y1="{}" x2="{}" y2="{}" '
        'vector-effect="non-scaling-stroke"></line>{}</svg>',
        kind,
        width,
        HEIGHT,
        ident,
        ident,
        ident,
        title,
        ident,
        desc,
        HEIGHT / 2,
        width,
        HEIGHT / 2,
        HEIGHT - 0.5,
        width,
        HEIGHT - 0.5,
        body,
    )


def throughput(series: Series, ident: str, queue: str) -> SafeString:
    """Completed jobs as bars per point, failures stacked on top (red)."""
    peak = series.peak or 1
    bars = []
    for i, point in enumerate(series.points):
        done = point.completed / peak * HEIGHT
        failed = point.failed / peak * HEIGHT
        if point.completed:
            bars.append(("qb-chart-completed", i + 0.1, HEIGHT - done, done))
        if point.failed:
            bars.append(("qb-chart-failed", i + 0.1, HEIGHT - done - failed, failed))
    body = format_html_join(
        "",
        '<rect class="{}" x="{}" y="{}" width="0.8" height="{}"></rect>',
        ((cls, _num(x), _num(y), _num(h)) for cls, x, y, h in bars),
    )
    title = _("Completed and failed jobs of %(queue)s (%(range)s)") % {
        "queue": queue,
        "range": series.range.label,
    }
    desc = _("%(completed)d completed, %(failed)d failed; at most %(peak)d in one step.") % {
        "completed": series.completed,
        "failed": series.failed,
        "peak": series.peak,
    }
    return _svg("throughput", len(series.points), title, desc, body, ident)


def _lines(values: Sequence[float | None], top: float, cls: str) -> list[SafeString]:
    """Polylines through the points that have a value (a gap breaks the line)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((i + 0.5, HEIGHT - min(value / top, 1) * HEIGHT))
    shapes = []
    for run in runs:
        if len(run) == 1:  # one point alone: a short dash across its step
            x, y = run[0]
            run = [(x - 0.4, y), (x + 0.4, y)]
        if run:
            points = " ".join(f"{_num(x)},{_num(y)}" for x, y in run)
            shapes.append(
                format_html(
                    '<polyline class="{}" points="{}" vector-effect="non-scaling-stroke">'
                    "</polyline>",
                    cls,
                    points,
                )
            )
    return shapes


def latency(series: Series, kind: str, ident: str, queue: str) -> tuple[SafeString, float]:
    """p50 and p95 of wait (``kind`` "wait") or run times as lines; returns the chart and its
    top value (ms)."""
    p50 = [getattr(p, f"{kind}_p50") for p in series.points]
    p95 = [getattr(p, f"{kind}_p95") for p in series.points]
    top = max((v for v in p95 if v is not None), default=0.0) or 1.0
    body = mark_safe(  # noqa: S308 - every part is made by format_html
        "".join(_lines(p95, top, "qb-chart-p95") + _lines(p50, top, "qb-chart-p50"))
    )
    hist = series.wait if kind == "wait" else series.run
    names = {"wait": _("Wait time"), "run": _("Run time")}
    title = _("%(what)s of %(queue)s (%(range)s)") % {
        "what": names[kind],
        "queue": queue,
        "range": series.range.label,
    }
    desc = _("Median %(p50)s, 95th percentile %(p95)s over the range.") % {
        "p50": duration(percentile(hist, 50)),
        "p95": duration(percentile(hist, 95)),
    }
    return _svg(f"latency qb-chart-{kind}", len(series.points), title, desc, body, ident), top


def sparkline(points: Sequence[tuple[int, int]], queue: str) -> SafeString:
    """The overview's small chart: finished jobs per minute of the last hour (a line), the
    minutes with failures marked below it. Built from numbers and one escaped label (it is
    drawn for every row of the overview)."""
    peak = max((c + f for c, f in points), default=0) or 1
    line = " ".join(f"{i + 0.5},{18 - (c + f) * 16 / peak:.1f}" for i, (c, f) in enumerate(points))
    failures = "".join(
        f'<rect class="qb-spark-failed" x="{i}" y="18" width="1" height="2"></rect>'
        for i, (_c, f) in enumerate(points)
        if f
    )
    label = escape(
        _("%(queue)s, last hour: %(completed)d completed, %(failed)d failed")
        % {
            "queue": queue,
            "completed": sum(c for c, _f in points),
            "failed": sum(f for _c, f in points),
        }
    )
    return mark_safe(  # noqa: S308 - numbers and the escaped label only
        f'<svg class="qb-spark" viewBox="0 0 {len(points)} 20" preserveAspectRatio="none" '
        f'role="img" aria-label="{label}" focusable="false"><title>{label}</title>'
        f'<polyline class="qb-spark-line" points="{line}" vector-effect="non-scaling-stroke">'
        f"</polyline>{failures}</svg>"
    )
