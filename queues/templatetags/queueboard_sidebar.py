"""The sidebar, kept rendered by content: the same queues with the same counts (the overview's
snapshot, shared by every page for ``COUNTS_CACHE_SECONDS``) give the same markup, so a page
takes the kept block instead of rendering it again. Its entries are built in one go (500
entries through the template engine cost tens of milliseconds, the same markup in Python a
few), each entry kept by content too, so a sidebar where one count changed joins kept strings.

Nothing of who looks is in the markup but the entries, which are chosen for the viewer before
(``reading.overview_sections``); every variable part is escaped."""

from __future__ import annotations

import weakref
from typing import Any

from django import template
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from ..backends.queue_display import QueueDisplay, queue_display
from ..sidebar import Sidebar
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


#: (sidebar content, language, mount point) -> (its backends, the rendered sidebar); emptied
#: when full. The content names each backend by ``id()``; the weak references tell a backend
#: made anew at the same address (settings changed) from the one the markup was made for.
_BLOCKS: dict[tuple[object, ...], tuple[tuple[weakref.ref[Any], ...], SafeString]] = {}
BLOCKS_KEPT = 256


@register.simple_tag
def sidebar_block(sidebar: Sidebar) -> SafeString:
    """``queues/partials/sidebar_block.html`` for ``sidebar``, rendered once per content."""
    key = (sidebar.content(), get_language(), get_script_prefix(), get_urlconf())
    found = _BLOCKS.get(key)
    if found is not None and all(
        ref() is group.backend for ref, group in zip(found[0], sidebar.groups, strict=True)
    ):
        return found[1]
    if len(_BLOCKS) >= BLOCKS_KEPT:
        _BLOCKS.clear()
    html = get_template("queues/partials/sidebar_block.html").render({"sidebar": sidebar})
    block = mark_safe(html)  # noqa: S308 - rendered by the template engine
    _BLOCKS[key] = (tuple(weakref.ref(group.backend) for group in sidebar.groups), block)
    return block
