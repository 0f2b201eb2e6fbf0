"""A sidebar entry's failed count: the same markup on the page and in live updates.

Built with ``format_html`` rather than a template: a live snapshot renders one per listed
queue (up to ``sidebar.LIMIT``), which a template would make the costliest part of connecting.
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

from .live import groups


def sidebar_count(alias: str, queue: str, failed: int, *, oob: bool = False) -> SafeString:
    """The failed count of ``queue``'s sidebar entry; ``oob`` marks it for a live swap."""
    title = ngettext("%(counter)s failed job", "%(counter)s failed jobs", failed) % {
        "counter": failed
    }
    return format_html(
        '<span id="{}" class="qb-sidebar-count state-failed{}" title="{}"{}>{}'
        '<span class="visually-hidden"> {}</span></span>',
        groups.sidebar_count_id(alias, queue),
        " has-jobs" if failed else "",
        title,
        SafeString(' hx-swap-oob="true"') if oob else "",
        failed,
        gettext("failed"),
    )
