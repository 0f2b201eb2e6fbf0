"""The health check in templates: the overview's badge (from kept results only, no I/O) and
the panel's moments."""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from ..backends.base import QueueBackend
from ..backends.types import QueueSummary
from ..health import Severity, kept_report

register = template.Library()


@register.simple_tag
def health_badge(backend: QueueBackend, queue: QueueSummary) -> SafeString | str:
    """A count of the queue's health findings when its check is kept (a queue nobody opened
    within ``HEALTH_CACHE_SECONDS`` has none: the overview never reads the server for it)."""
    report = kept_report(backend.alias, queue.name)
    if report is None or not report.findings:
        return ""
    count = len(report.findings)
    critical = any(f.severity == Severity.CRITICAL for f in report.findings)
    label = ngettext("%(count)d health finding", "%(count)d health findings", count) % {
        "count": count
    }
    return format_html(
        '<a class="qb-badge {}" href="{}#health-panel" title="{}">{}</a>',
        "qb-badge-problem" if critical else "qb-badge-read-only",
        reverse("queues:queue", args=[backend.alias, queue.name]),
        label,
        label,
    )


@register.filter
def epoch_iso(seconds: float) -> str:
    """Seconds since the epoch as ``2026-01-02T03:04:05Z`` (for ``<time datetime>``)."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@register.filter
def epoch_stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
