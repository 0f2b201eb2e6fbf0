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
def live_flow_key(ref: Any) -> str:
    """``{{ node.ref|live_flow_key }}`` for a job reference (backend, queue and id)."""
    return groups.flow_node_key(str(ref.backend), str(ref.queue), str(ref.id))


@register.filter
def live_tab_count_id(state: Any) -> str:
    return groups.tab_count_id(str(getattr(state, "value", state)))


@register.simple_tag
def sidebar_count(alias: str, queue: str, failed: int) -> str:
    """``{% sidebar_count backend.alias entry.name entry.failed %}``: the entry's failed count,
    as live updates replace it."""
    from ..sidebar_count import sidebar_count as markup

    return markup(str(alias), str(queue), int(failed))


@register.simple_tag
def live_socket_path(name: str, *args: Any) -> str:
    """The WebSocket path of page ``name``: the page's own path with ``ws/`` after the mount.

    ``queues.routing.websocket_urls(prefix)`` serves the same shapes under the same prefix.
    """
    root = reverse("queues:overview")
    page = reverse(f"queues:{name}", args=[str(arg) for arg in args])
    return root + "ws/" + page[len(root) :]
