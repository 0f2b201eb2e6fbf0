"""Template helpers of live updates: stable ids of live regions and the WebSocket URL."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from ..live import groups

register = template.Library()


@register.filter
def live_queue_row_id(alias: str, queue: str) -> str:
    """``{{ backend.alias|live_queue_row_id:queue.name }}``"""
    return groups.queue_row_id(str(alias), str(queue))


@register.filter
def live_progress_id(job: Any) -> str:
    """``{{ job|live_progress_id }}`` for a job summary (backend, queue and id)."""
    return groups.progress_cell_id(str(job.backend), str(job.queue), str(job.id))


@register.filter
def live_tab_count_id(state: Any) -> str:
    return groups.tab_count_id(str(getattr(state, "value", state)))


@register.simple_tag
def live_socket_path(name: str, *args: Any) -> str:
    """The WebSocket path of page ``name``: the page's own path with ``ws/`` after the mount.

    ``queues.routing.websocket_urls(prefix)`` serves the same shapes under the same prefix.
    """
    root = reverse("queues:overview")
    page = reverse(f"queues:{name}", args=[str(arg) for arg in args])
    return root + "ws/" + page[len(root) :]
