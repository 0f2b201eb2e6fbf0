"""The sidebar's entries, built in one go: 500 entries through the template engine cost tens of
milliseconds on every page, the same markup in Python a few; and each entry's markup is kept by
content, so a page whose sidebar did not change since the last one joins kept strings."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from ..backends.queue_display import QueueDisplay, queue_display
from ..sidebar_count import sidebar_count
from ..visible import visible_html, visible_text

register = template.Library()

#: (alias, display, url, failed count, current, language) -> the entry's ``<li>``; emptied when
#: full. Only what the markup shows is in the key (never who looks: the entries a user may see
#: are chosen before), and the counts are the overview's snapshot, so a few kept sets at most.
_ENTRIES: dict[tuple[object, ...], str] = {}
ENTRIES_KEPT = 20_000


def _entry(alias: str, display: QueueDisplay, url: str, failed: int | None, current: bool) -> str:
    name = display.name
    searched = str(escape(visible_text(name).lower()))
    if display.renamed:
        searched += " " + escape(str(display.display_name).lower())
    marked = ' aria-current="page"' if current else ""
    count = "" if failed is None else sidebar_count(alias, name, failed)
    return (
        f'<li data-name="{searched}"><a href="{escape(url)}"'
        f' title="{escape(visible_text(name))}"{marked}>'
        f'<span class="qb-sidebar-name">{visible_html(display.title)}</span>{count}</a></li>'
    )


@register.simple_tag
def sidebar_entries(group: Any) -> SafeString:
    """The ``<li>`` of each entry of a ``SidebarGroup``: its name (or display name) linked to
    its queue page, the current one marked, and its failed count as live updates replace it."""
    alias = str(group.backend.alias)
    language = get_language()
    items = []
    for entry in group.entries:
        display = queue_display(group.backend, entry.name)
        key = (alias, display, entry.url, entry.failed, entry.current, language)
        found = _ENTRIES.get(key)
        if found is None:
            if len(_ENTRIES) >= ENTRIES_KEPT:
                _ENTRIES.clear()
            found = _ENTRIES[key] = _entry(alias, display, entry.url, entry.failed, entry.current)
        items.append(found)
    return mark_safe("\n".join(items))  # noqa: S308 - every variable part is escaped in _entry
