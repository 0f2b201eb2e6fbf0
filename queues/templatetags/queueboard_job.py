"""The job page's readable parts: moments and ages (converted and ticked by ``time.js``), the
attempts in words, progress as a bar, stack traces per attempt, log lines numbered.

Everything returned is escaped here or by the template engine: job values stay text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .queueboard import _span

register = template.Library()

#: Progress object keys that carry a percentage (0..100), in the order they are looked for.
PERCENT_KEYS = ("percentage", "percent", "progress", "pct")
#: A stack frame in a library (dimmed): Node's and Python's installed packages and internals.
LIBRARY_FRAME = re.compile(
    r"node_modules[/\\]|site-packages[/\\]|dist-packages[/\\]|\(?node:internal[/:]|"
    r"\bnode:[a-z_]+:|/usr/lib/python|/usr/local/lib/python|<frozen |\\lib\\python"
)


# -- moments ----------------------------------------------------------------------------------


def utc_iso(moment: datetime) -> str:
    """``2026-12-01T18:25:56.997Z``: UTC, milliseconds at most."""
    utc = moment.astimezone(UTC)
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_text(moment: datetime, *, ms: bool = False) -> str:
    """``2026-12-01 18:25:56 UTC`` (``.997`` before the zone with ``ms``): the readable
    fallback ``time.js`` replaces with the viewer's zone."""
    utc = moment.astimezone(UTC)
    text = f"{utc:%Y-%m-%d %H:%M:%S}"
    if ms:
        text += f".{utc.microsecond // 1000:03d}"
    return f"{text} UTC"


@register.simple_tag
def moment(value: datetime | None, precision: str = "s") -> SafeString | str:
    """``<time datetime="…Z" data-qb-time="s">… UTC</time>``; ``precision`` ``"ms"`` adds
    milliseconds. An em dash for no moment."""
    if value is None:
        return "\u2014"
    ms = precision == "ms"
    return format_html(
        '<time class="qb-time" datetime="{}" data-qb-time="{}">{}</time>',
        utc_iso(value),
        "ms" if ms else "s",
        utc_text(value, ms=ms),
    )


def relative(value: datetime, *, due: bool = False, now: datetime | None = None) -> str:
    """``3 min ago`` / ``in 2 h``; with ``due``: ``in 5 min`` / ``overdue by 1 min``."""
    delta = ((now or timezone.now()) - value).total_seconds()
    span = _span(delta)
    if delta < 0:
        return _("in %(span)s") % {"span": span}
    if due:
        return _("overdue by %(span)s") % {"span": span}
    return _("%(span)s ago") % {"span": span}


@register.simple_tag(name="relative_age")
def age(value: datetime | None, mode: str = "age") -> SafeString | str:
    """How long ago (or ahead) ``value`` is, ticked by ``time.js``; ``mode`` ``"due"`` for a
    delayed job's due time (``overdue by …`` once passed)."""
    if value is None:
        return "\u2014"
    due = mode == "due"
    return format_html(
        '<span class="qb-age" data-qb-age="{}" data-qb-age-mode="{}">{}</span>',
        utc_iso(value),
        "due" if due else "age",
        relative(value, due=due),
    )


@register.simple_tag
def moment_with_age(value: datetime | None, precision: str = "s", mode: str = "age") -> Any:
    """``moment`` then its ``age`` in parentheses."""
    if value is None:
        return "\u2014"
    return format_html(
        '{} <span class="qb-age-wrap">({})</span>', moment(value, precision), age(value, mode)
    )


# -- attempts ---------------------------------------------------------------------------------


@register.filter
def attempts_text(job: Any) -> str:
    """The attempts in words, right after a manual retry too.

    BullMQ counts runs begun (``attemptsStarted``) and runs finished (``attemptsMade``) against
    the attempts allowed (``opts.attempts``); a retry by hand starts one more run than allowed.
    """
    made = int(getattr(job, "attempts_made", 0) or 0)
    allowed = getattr(job, "attempts_allowed", None)
    started = getattr(job, "attempts_started", None)
    started = made if started is None else max(int(started), made)
    if not allowed:
        return ngettext("%(n)s attempt started", "%(n)s attempts started", started) % {"n": started}
    if started <= allowed:
        return _("%(started)s of %(allowed)s") % {"started": started, "allowed": allowed}
    allowed_text = ngettext("%(n)s allowed", "%(n)s allowed", allowed) % {"n": allowed}
    count = ngettext("%(n)s attempt started", "%(n)s attempts started", started) % {"n": started}
    if made >= allowed:
        return _("%(count)s (%(allowed)s; retried by hand)") % {
            "count": count,
            "allowed": allowed_text,
        }
    return _("%(count)s (%(allowed)s)") % {"count": count, "allowed": allowed_text}


# -- progress ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressView:
    """``kind``: ``"bar"`` (``percent`` set, ``rest`` the object's other keys), ``"json"``
    (``text``) or ``"none"``."""

    kind: str
    percent: float | None = None
    rest: tuple[tuple[str, str], ...] = ()
    text: str = ""


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _cell(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@register.filter
def progress_view(job: Any) -> ProgressView:
    payload = job.progress
    if payload.is_empty:
        return ProgressView("none")
    value = payload.value if payload.is_json else None
    if _is_number(value):
        return ProgressView("bar", percent=min(max(float(value), 0.0), 100.0))  # type: ignore[arg-type]
    if isinstance(value, dict):
        for key in PERCENT_KEYS:
            if _is_number(value.get(key)) and 0 <= value[key] <= 100:
                rest = tuple((str(k), _cell(v)) for k, v in value.items() if k != key)
                return ProgressView("bar", percent=float(value[key]), rest=rest[:20])
    return ProgressView("json", text=payload.text)


# -- stack traces -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceLine:
    text: str
    library: bool


@dataclass(frozen=True)
class TraceGroup:
    """One distinct trace and the attempts (1-based, newest first) that ended with it."""

    attempts: tuple[int, ...]
    lines: tuple[TraceLine, ...]
    text: str

    @property
    def count(self) -> int:
        return len(self.attempts)

    @property
    def attempts_label(self) -> str:
        return ", ".join(str(n) for n in sorted(self.attempts))


def trace_lines(text: str) -> tuple[TraceLine, ...]:
    lines, previous_library = [], False
    for line in text.split("\n"):
        library = bool(LIBRARY_FRAME.search(line))
        # A Python frame's source line follows its "File …" line, indented further.
        if not library and previous_library and line.startswith("    ") and "File " not in line:
            library = True
        lines.append(TraceLine(line, library))
        previous_library = library and line.lstrip().startswith("File ")
    return tuple(lines)


@register.filter
def trace_groups(job: Any) -> list[TraceGroup]:
    """``job.stacktrace`` (oldest first, as BullMQ appends) as distinct traces, newest first.

    When the backend kept fewer traces than attempts made (BullMQ's ``stackTraceLimit``), the
    kept ones are the newest attempts'.
    """
    traces = list(job.stacktrace)
    made = int(getattr(job, "attempts_made", 0) or 0)
    first = made - len(traces) + 1 if made >= len(traces) else 1
    groups: dict[str, list[int]] = {}
    for offset, trace in enumerate(traces):
        groups.setdefault(trace, []).append(first + offset)
    ordered = sorted(groups.items(), key=lambda item: -max(item[1]))
    return [
        TraceGroup(attempts=tuple(sorted(numbers, reverse=True)), lines=trace_lines(t), text=t)
        for t, numbers in ordered
    ]


# -- logs -------------------------------------------------------------------------------------


@register.filter
def numbered_logs(job: Any) -> list[tuple[int, str]]:
    """``job.logs`` (the newest, oldest first) as (line number, text), newest first."""
    logs = list(job.logs)
    first = max(int(getattr(job, "log_count", 0) or 0) - len(logs), 0) + 1
    return [(first + i, line) for i, line in reversed(list(enumerate(logs)))]


# -- payloads ---------------------------------------------------------------------------------


@register.filter
def pretty_payload(payload: Any) -> tuple[str, bool]:
    """``payload.pretty`` within the board's display cap: (text, truncated)."""
    from ..conf import setting

    text, truncated = payload.pretty(int(setting("PAYLOAD_DISPLAY_CAP")))
    return text, truncated
