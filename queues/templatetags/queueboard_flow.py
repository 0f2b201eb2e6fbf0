"""Template helpers of the flow tree (``partials/job_flow_node.html``)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from ..backends.types import FlowNode

register = template.Library()


@dataclass(frozen=True)
class ChildrenSpan:
    """Which of a job's children the tree shows, and the pages around them."""

    first: int
    last: int
    total: int
    #: ``?flow_page=`` of the previous and next pages (1 is the job's page without it).
    previous: int | None
    next: int | None


@register.filter
def flow_span(node: FlowNode, per_node: int) -> ChildrenSpan | None:
    """``{% with span=node|flow_span:flow.per_node %}``: None when every child is shown."""
    listed = sum(1 for child in node.children if not child.pinned)
    if node.children_offset == 0 and listed >= node.children_total:
        return None
    page = node.children_offset // max(per_node, 1) + 1
    last = node.children_offset + listed
    return ChildrenSpan(
        first=node.children_offset + 1 if listed else node.children_offset,
        last=last,
        total=node.children_total,
        previous=page - 1 if page > 1 else None,
        next=page + 1 if last < node.children_total else None,
    )


@register.filter
def flow_current(node: FlowNode, current: object) -> bool:
    """``node|flow_current:flow.current``: whether ``node`` is the page's job."""
    return (node.ref.queue, node.ref.id) == (
        getattr(current, "queue", None),
        getattr(current, "id", None),
    )
