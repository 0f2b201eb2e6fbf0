"""Filters of the limits and server panels: durations in milliseconds and seconds."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.filter
def milliseconds(value: object) -> str:
    """``1500`` → "1.5 s", ``250`` → "250 ms", ``90000`` → "1 min 30 s"."""
    try:
        ms = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return "?"
    if ms < 1000:
        return gettext("{n} ms").format(n=ms)
    if ms < 60_000:
        return gettext("{n} s").format(n=f"{ms / 1000:.3g}")
    return seconds_span(ms // 1000)


@register.filter
def seconds_span(value: object) -> str:
    """``93784`` → "1 d 2 h", ``3720`` → "1 h 2 min", ``75`` → "1 min 15 s", ``60`` → "1 min"."""
    try:
        total = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return "?"
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return gettext("{d} d {h} h").format(d=days, h=hours)
    if hours:
        if not minutes:
            return gettext("{h} h").format(h=hours)
        return gettext("{h} h {m} min").format(h=hours, m=minutes)
    if minutes:
        if not seconds:
            return gettext("{m} min").format(m=minutes)
        return gettext("{m} min {s} s").format(m=minutes, s=seconds)
    return ngettext("{n} second", "{n} seconds", seconds).format(n=seconds)
