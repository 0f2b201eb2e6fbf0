"""Small display helpers for the board's templates."""

from __future__ import annotations

import html
from datetime import datetime
from functools import cache
from typing import Any

from django import template
from django.urls import get_script_prefix
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, ngettext

from .. import fragments
from ..states import JobState
from ..visible import visible_html
from ..visible import visible_text as _visible_text

register = template.Library()


def _span(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 1:
        return gettext("%(n)s ms") % {"n": int(seconds * 1000)}
    if seconds < 60:
        n = f"{seconds:.1f}" if seconds < 10 else str(int(seconds))
        return gettext("%(n)s s") % {"n": _decimal(n)}
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        if secs:
            return gettext("%(min)s min %(s)s s") % {"min": minutes, "s": secs}
        return gettext("%(min)s min") % {"min": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        if minutes:
            return gettext("%(h)s h %(min)s min") % {"h": hours, "min": minutes}
        return gettext("%(h)s h") % {"h": hours}
    return gettext("%(d)s d") % {"d": hours // 24}


def _decimal(number: str) -> str:
    """``1.5`` with the active language's decimal separator (``1,5`` in German)."""
    separator = formats.get_format("DECIMAL_SEPARATOR")
    return number.replace(".", separator) if separator != "." else number


@register.filter
def duration(seconds: float | None) -> str:
    """``1.5`` → ``1.5 s``; ``None`` → an em dash."""
    return "\u2014" if seconds is None else _span(seconds)


@register.filter
def age(moment: datetime | None) -> str:
    """How long ago (``3 min ago``) or ahead (``in 2 h``) a moment is."""
    if moment is None:
        return "\u2014"
    delta = (timezone.now() - moment).total_seconds()
    if delta >= 0:
        return gettext("%(span)s ago") % {"span": _span(delta)}
    return gettext("in %(span)s") % {"span": _span(delta)}


@register.filter
def bytesize(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            if unit == "bytes":
                return ngettext("%(n)s byte", "%(n)s bytes", int(value)) % {"n": int(value)}
            return f"{_decimal(f'{value:.1f}')} {unit}"
        value /= 1024
    return ngettext("%(n)s byte", "%(n)s bytes", size) % {"n": size}


@register.filter
def action_name(action: object) -> str:
    """``retry-all`` → ``Retry all``, in the active language (an unknown name as it is)."""
    from ..actions.permissions import ACTION_NAMES

    for known, name in ACTION_NAMES.items():
        if known.value == str(action):
            return capfirst(str(name))
    return str(action)


@register.filter
def count_for(counts: dict, state: object) -> int:
    return int(counts.get(state, 0))


@register.filter
def read_only_on(queue: object, backend: Any) -> bool:
    """``{{ queue.name|read_only_on:backend }}``: whether no action may change the queue
    (its backend's ``READ_ONLY`` or ``READ_ONLY_QUEUES``)."""
    return bool(backend.is_queue_read_only(str(queue)))


@register.filter(expects_localtime=True)
def iso(moment: datetime | None) -> str:
    """``date:'c'`` (ISO 8601 in the current time zone), for the job lists' hot path."""
    return moment.isoformat() if moment else ""


@register.filter(expects_localtime=True)
def stamp(moment: datetime | None) -> str:
    """``date:'Y-m-d H:i:s T'``, for the job lists' hot path."""
    if not moment:
        return ""
    return f"{moment:%Y-%m-%d %H:%M:%S} {moment.tzname() or ''}".rstrip()


@register.filter
def clip(text: object, chars: int) -> str:
    """At most ``chars`` characters, ending in an ellipsis when cut.

    ``truncatechars`` for the job lists' hot path, without its Unicode normalisation (a
    combining mark counts as a character here); the result is escaped like any value.
    """
    value, limit = str(text), int(chars)
    return value if len(value) <= limit else value[: max(limit - 1, 0)] + "\u2026"


@register.filter(is_safe=True)
def visible(value: object) -> SafeString:
    """An id or a name, escaped, with bidi controls and other invisible characters shown as
    marked escapes (``\u202e``) so that ``bidi\u202egnp.exe`` cannot pass for ``bidiexe.png``."""
    return mark_safe(visible_html(value))  # noqa: S308 - escaped by visible_html


@register.filter
def visible_text(value: object) -> str:
    """``visible`` for titles and attributes (no markup): the escapes as plain text."""
    return _visible_text(value)


@register.filter(is_safe=True)
def visible_list(values: object, separator: str = ", ") -> SafeString:
    """Each value of a list through ``visible``, joined by ``separator`` (escaped)."""
    items = values if isinstance(values, list | tuple) else [values]
    joined = html.escape(separator).join(visible_html(item) for item in items)
    return mark_safe(joined)  # noqa: S308 - every part is escaped


@register.filter
def excerpt(text: str | None, chars: int = 120) -> str:
    if not text:
        return ""
    flat = " ".join(str(text)[: int(chars) * 2].split())
    return flat if len(flat) <= int(chars) else flat[: int(chars) - 1] + "\u2026"


@register.simple_tag
def job_row(job: Any, state: Any, preview_chars: int) -> SafeString:
    """A job list's row, rendered once per what it shows (``fragments.job_row``)."""
    return fragments.job_row(job, state, preview_chars)


@register.simple_tag
def queue_rows(section: Any) -> SafeString:
    """The overview rows of a backend section's queues, each rendered once per content."""
    prefix = get_script_prefix()
    rows = (fragments.queue_row(section.backend, q, prefix=prefix) for q in section.queues)
    return mark_safe("\n".join(rows))  # noqa: S308 - each row is rendered by the template engine


@register.simple_tag
def queue_count_cells(backend: Any, queue: Any, queue_url: str) -> SafeString:
    """The count cells of an overview row, built in one go (100 queues make 800 cells).

    Only the queue name and URL vary per row; they are escaped once, the rest are our own
    state names.
    """
    name, url = html.escape(_visible_text(queue.name)), html.escape(str(queue_url))
    counts = queue.counts
    texts = _state_texts(get_language())
    cells = []
    for state in backend.states:
        n = int(counts.get(state, 0))
        value, label, title = texts[state]
        said = label % {"count": n, "queue": name}
        cells.append(
            f'<td class="num state-{value}{" has-jobs" if n else ""}">'
            f'<a href="{url}?state={value}" aria-label="{said}"'
            f' data-label="{title}">{n}</a></td>'
        )
    return mark_safe("".join(cells))  # noqa: S308 - every variable part is escaped above


@register.simple_tag
def queue_bar(backend: Any, queue: Any) -> SafeString:
    """The overview row's bar: each state's share of the queue's jobs in its colour, in the
    states' order (an SVG without inline style; the counts beside it say the same in text)."""
    counts = [(state, int(queue.counts.get(state, 0))) for state in backend.states]
    total = sum(n for _, n in counts)
    rects, done = [], 0
    for state, n in counts:
        if not n:
            continue
        start, done = round(100 * done / total, 2), done + n
        end = round(100 * done / total, 2)
        rects.append(
            f'<rect class="state-{html.escape(state.value)}" x="{start:g}"'
            f' width="{end - start:.2f}" height="1"/>'
        )
    return mark_safe(  # noqa: S308 - only numbers and our own state names
        '<svg class="qb-bar" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true"'
        f' focusable="false">{"".join(rects)}</svg>'
    )


@cache
def _state_texts(language: str | None) -> dict[JobState, tuple[str, str, str]]:
    """Per state, in ``language`` (the active one): its value, the count cell's label (a
    ``%`` format of ``count`` and ``queue``) and its label (the cards' caption), escaped."""
    texts = {}
    for state in JobState:
        # Translators: an overview count, read by screen readers ("4 failed jobs in emails").
        said = gettext("%(count)s {state} jobs in %(queue)s").replace("{state}", state.phrase)
        texts[state] = (html.escape(state.value), html.escape(said), html.escape(state.label))
    return texts
