"""Cron patterns for any backend: check, describe and preview them (correct across DST).

Patterns follow the common producers' dialect: five fields, or six with the seconds first;
aliases such as ``@daily`` are expanded here. Previews are estimates: the server's stored next
run is the truth.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from .schedule_types import InvalidSchedule

ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
    "@minutely": "* * * * *",
}
#: Longest pattern or time zone name looked at; anything longer is refused unread.
MAX_LENGTH = 200


def expand(pattern: str) -> str:
    """The pattern with an alias replaced by its five fields, spaces normalised."""
    text = " ".join(pattern.split())
    return ALIASES.get(text.lower(), text)


def zone(tz: str | None) -> ZoneInfo | None:
    """The time zone named ``tz`` (None for none); ``InvalidSchedule`` if unknown."""
    if not tz:
        return None
    if len(tz) > MAX_LENGTH:
        raise InvalidSchedule(_("The time zone name is too long."))
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidSchedule(_("%(tz)r is not a known time zone.") % {"tz": tz}) from None


def check(pattern: str, tz: str | None = None) -> None:
    """Raise ``InvalidSchedule`` with a clear message unless ``pattern`` (in ``tz``) can run."""
    problem = _problem(pattern, tz, get_language())
    if problem is not None:
        raise InvalidSchedule(problem)


@lru_cache(maxsize=1024)  # a page's schedules mostly share a few patterns
def _problem(pattern: str, tz: str | None, language: str | None) -> str | None:
    """The message of ``_check`` (cached per language: it is translated)."""
    try:
        _check(pattern, tz)
    except InvalidSchedule as exc:
        return str(exc)
    return None


def _check(pattern: str, tz: str | None) -> None:
    from cronsim import CronSim, CronSimError

    if not pattern or not pattern.strip():
        raise InvalidSchedule(_("The cron pattern is empty."))
    if len(pattern) > MAX_LENGTH:
        raise InvalidSchedule(_("The cron pattern is too long."))
    where = zone(tz) or UTC
    fields = expand(pattern)
    try:
        next(CronSim(fields, datetime.now(where)))
    except (CronSimError, StopIteration, ValueError, IndexError) as exc:
        raise InvalidSchedule(
            _("%(pattern)r is not a valid cron pattern (%(reason)s).")
            % {"pattern": pattern, "reason": str(exc) or type(exc).__name__}
        ) from None


@lru_cache(maxsize=1024)
def describe(pattern: str) -> str:
    """A human description ("At 09:00 AM, Monday through Friday"), or "" if none can be made."""
    from cron_descriptor import Options, get_description

    fields = expand(pattern)
    if len(fields) > MAX_LENGTH:
        return ""
    parts = fields.split()
    if len(parts) == 6:  # seconds first, as the producers read it; cron-descriptor agrees
        fields = " ".join(parts)
    options = Options()
    options.use_24hour_time_format = True
    try:
        return str(get_description(fields, options))
    except Exception:  # any pattern it cannot read has no description
        return ""


def describe_every(every_ms: int) -> str:
    """ "Every 5 minutes", keeping the exact unit (as Bull Board's ``formatInterval``)."""
    units = (
        (86_400_000, lambda n: ngettext("Every %(n)d day", "Every %(n)d days", n)),
        (3_600_000, lambda n: ngettext("Every %(n)d hour", "Every %(n)d hours", n)),
        (60_000, lambda n: ngettext("Every %(n)d minute", "Every %(n)d minutes", n)),
        (1000, lambda n: ngettext("Every %(n)d second", "Every %(n)d seconds", n)),
    )
    for size, text in units:
        if every_ms >= size and every_ms % size == 0:
            count = every_ms // size
            return text(count) % {"n": count}
    return ngettext("Every %(n)d millisecond", "Every %(n)d milliseconds", every_ms) % {
        "n": every_ms
    }


def preview(pattern: str, tz: str | None, after: datetime, count: int = 5) -> tuple[datetime, ...]:
    """The next ``count`` runs of ``pattern`` after ``after``, in UTC (empty if invalid)."""
    from cronsim import CronSim, CronSimError

    where = zone(tz) or UTC
    runs: list[datetime] = []
    try:
        iterator = CronSim(expand(pattern), after.astimezone(where))
        for _index in range(count):
            runs.append(next(iterator).astimezone(UTC))
    except (CronSimError, StopIteration, ValueError, IndexError):
        pass
    return tuple(runs)


def preview_every(first: datetime, every_ms: int, count: int = 5) -> tuple[datetime, ...]:
    """An interval's next runs from its next one."""
    if every_ms <= 0:
        return ()
    return tuple(first + timedelta(milliseconds=every_ms * n) for n in range(count))


def next_millis(pattern: str, tz: str | None, after_ms: int) -> int | None:
    """The first run strictly after ``after_ms`` (epoch ms), for producers' repeat strategy."""
    after = datetime.fromtimestamp(after_ms / 1000, UTC)
    runs = preview(pattern, tz, after, 1)
    return int(runs[0].timestamp() * 1000) if runs else None
