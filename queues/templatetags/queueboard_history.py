"""The metrics history in templates: the overview's sparkline of a queue (kept points only,
no I/O; ``queues.history.sparklines``)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from ..backends.base import QueueBackend
from ..backends.types import QueueSummary
from ..history import sparklines
from ..history.charts import sparkline
from ..visible import visible_text

register = template.Library()


@register.simple_tag
def history_sparkline(backend: QueueBackend, queue: QueueSummary) -> SafeString | str:
    """The last hour of ``queue`` as a small chart, when the overview has read it and some job
    finished in it (an idle queue shows nothing)."""
    points = sparklines.kept(backend.alias, queue.name)
    if not points or not any(c or f for c, f in points):
        return ""
    return sparkline(points, visible_text(queue.name))
