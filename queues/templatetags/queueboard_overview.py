"""The overview's sort links and their ``aria-sort``."""

from __future__ import annotations

from django import template

from ..overview import OverviewOptions

register = template.Library()


@register.filter
def sort_link(options: OverviewOptions, key: str) -> str:
    return options.sort_link(str(key))


@register.filter
def aria_sort(options: OverviewOptions, key: str) -> str:
    """``ascending``/``descending`` on the column sorted by, else ""."""
    if options.sort != str(key):
        return ""
    return "descending" if options.descending else "ascending"


@register.simple_tag
def overview_query(options: OverviewOptions, **changes: object) -> str:
    return options.query(**{k: (v or None) for k, v in changes.items()})
