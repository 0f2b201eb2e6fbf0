"""The rows of a schedules table, built in Python: the board's Schedules page shows up to 100
rows per queue, and the template loop cost about 1 ms per row (a ``{% url %}`` pair, ``utc``
and ``date`` filters, ``timeuntil`` and a ``blocktranslate`` per row). Here the translated
labels and the URLs' shape are worked out once per table, and each row is a few escapes and
one string; the markup is the one ``partials/schedule_rows.html`` used to write.

Everything from a schedule (id, job name, pattern, time zone, problems) is escaped here:
names through ``visible_html`` (invisible characters shown), the rest with ``html.escape``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from .backends.schedule_types import Schedule, ScheduleState
from .converters import JobIdConverter
from .templatetags.queueboard import _span
from .templatetags.queueboard_schedules import schedule_state_class, utc_iso, utc_stamp
from .visible import visible_html

#: Stands for the schedule id in a URL reversed once per queue (no id can hold a NUL).
_SLOT = "QBSCHEDULESLOT"
#: What Django's ``reverse`` leaves unquoted in a path (``RFC3986_SUBDELIMS + "/~:@"``).
_SAFE = "!$&'()*+,;=/~:@"
_ID = JobIdConverter()
_e = html.escape


def schedule_url(template: str, schedule_id: str) -> str:
    """``reverse("queues:schedule", ...)`` for one id, from ``template`` (the URL reversed
    with ``_SLOT`` as the id): the id escaped as the ``qb_job_id`` converter and ``reverse``
    escape it."""
    return template.replace(_SLOT, quote(_ID.to_url(schedule_id), safe=_SAFE), 1)


def _until(moment: datetime, now: datetime, due: bool) -> str:
    """The countdown's first text (time.js replaces it with the same wording and ticks it);
    ``due`` False: a finished schedule's last time, which is no longer overdue ("2 h ago")."""
    delta = (moment - now).total_seconds()
    if delta > 0:
        return gettext("in %(span)s") % {"span": _span(delta)}
    if not due:
        return gettext("%(span)s ago") % {"span": _span(delta)}
    return gettext("overdue by %(span)s") % {"span": _span(delta)}


class _Labels:
    """The table's translated words, looked up once per table."""

    def __init__(self) -> None:
        self.queue = _e(gettext("Queue"))
        self.schedule = _e(gettext("Schedule"))
        self.repeats = _e(gettext("Repeats"))
        self.next_run = _e(gettext("Next run"))
        self.state = _e(gettext("State"))
        self.runs = _e(gettext("Runs"))
        self.ends = _e(gettext("Ends"))
        self.legacy = _e(gettext("legacy"))
        self.legacy_title = _e(gettext("Written by an older BullMQ; shown read-only"))
        self.problem = _e(gettext("problem"))
        self.read_only = _e(gettext("Read-only"))
        self.states = {state: _e(state.label) for state in ScheduleState}


def _moment(moment: datetime) -> str:
    iso = utc_iso(moment)
    return f'<time class="qb-time" datetime="{iso}" data-qb-time="s">{_e(utc_stamp(moment))}</time>'


def _row(s: Schedule, show_queue: bool, words: _Labels, urls: dict[object, tuple[str, str]],
         now: datetime) -> str:  # fmt: skip
    key = (s.backend, s.queue)
    if key not in urls:
        urls[key] = (
            reverse("queues:queue", args=[s.backend, s.queue]),
            reverse("queues:schedule", args=[s.backend, s.queue, _SLOT]),
        )
    queue_url, one_url = urls[key]
    cells = []
    if show_queue:
        link = f'<a href="{_e(queue_url)}">{visible_html(s.queue)}</a>'
        cells.append(f'<td data-label="{words.queue}">{link}</td>')
    name = ""
    if s.job_name != s.id:
        name = f'<br><span class="qb-muted">{visible_html(s.job_name)}</span>'
    badges = ""
    if s.legacy:
        badges += f' <span class="qb-badge" title="{words.legacy_title}">{words.legacy}</span>'
    if s.read_only:
        title = _e(s.read_only)
        badges += (
            f' <span class="qb-badge qb-badge-read-only" title="{title}">{words.read_only}</span>'
        )
    if s.problems:
        title = _e(" ".join(str(p) for p in s.problems))
        badges += f' <span class="qb-badge qb-badge-problem" title="{title}">{words.problem}</span>'
    href = _e(schedule_url(one_url, s.id))
    cells.append(
        f'<td class="qb-col-schedule" data-label="{words.schedule}"><a class="qb-schedule-id" '
        f'href="{href}">{visible_html(s.id)}</a>{name}{badges}</td>'
    )
    repeats = ""
    if s.pattern:
        repeats += f'<code class="qb-line">{_e(s.pattern)}</code>'
    if s.description:
        repeats += f'<span class="qb-line qb-muted">{_e(s.description)}</span>'
    if s.tz:
        repeats += f'<span class="qb-line qb-muted">{_e(s.tz)}</span>'
    cells.append(f'<td data-label="{words.repeats}">{repeats}</td>')
    if s.next_run_at:
        iso = utc_iso(s.next_run_at)
        due = s.state != ScheduleState.FINISHED
        countdown = _e(_until(s.next_run_at, now, due))
        mode = "due" if due else "age"
        when = (
            f'{_moment(s.next_run_at)}<br><span class="qb-muted" data-qb-age="{iso}" '
            f'data-qb-age-mode="{mode}">{countdown}</span>'
        )
    else:
        when = "\u2014"
    cells.append(f'<td data-label="{words.next_run}">{when}</td>')
    state_class = schedule_state_class(s.state)
    cells.append(
        f'<td data-label="{words.state}"><span class="qb-state {state_class}">'
        f"{words.states[s.state]}</span></td>"
    )
    runs = str(s.iterations) if s.iterations is not None else "?"
    if s.limit:
        runs += f" / {s.limit}"
    cells.append(f'<td class="num" data-label="{words.runs}">{runs}</td>')
    ends = _moment(s.end_at) if s.end_at else "\u2014"
    cells.append(f'<td data-label="{words.ends}">{ends}</td>')
    return "<tr>" + "".join(cells) + "</tr>"


def schedule_rows(schedules: Iterable[Schedule], show_queue: bool) -> SafeString:
    """The ``<tr>`` of each schedule, escaped."""
    words = _Labels()
    urls: dict[object, tuple[str, str]] = {}
    now = timezone.now().astimezone(UTC)
    rows = [_row(s, show_queue, words, urls, now) for s in schedules]
    return mark_safe("\n".join(rows))  # noqa: S308 - every value is escaped above
