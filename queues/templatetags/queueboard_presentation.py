"""Queues by their display names, the header's environment badge, a job's link into the host
application (``queues.presentation``, ``backends/queue_display.py``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from ..backends.queue_display import QueueDisplay, queue_display
from ..presentation import environment, external_job_url
from ..visible import visible_html

register = template.Library()


@register.simple_tag
def queue_title(backend: Any, name: str) -> SafeString:
    """The queue's display name, else its name (escaped, invisible characters shown)."""
    return mark_safe(visible_html(queue_display(backend, name).title))  # noqa: S308 - escaped


@register.simple_tag
def queue_presentation(backend: Any, name: str) -> QueueDisplay:
    """``{% queue_presentation backend name as display %}``: display name and description."""
    return queue_display(backend, name)


@register.inclusion_tag("queues/partials/environment_badge.html")
def environment_badge() -> dict[str, Any]:
    return {"environment": environment()}


@register.inclusion_tag("queues/partials/external_job_link.html")
def external_job_link(backend: Any, job: Any) -> dict[str, Any]:
    return {"url": external_job_url(backend, job.queue, job)}
