"""What an RQ schedule's pattern or interval says, for RQ cron and rq-scheduler alike."""

from __future__ import annotations

from django.utils.translation import ngettext

from .. import cron


def describe(pattern: str | None, every_ms: int | None, runs_left: int | None = None) -> str:
    """ "At 09:00, Monday through Friday" or "Every 15 minutes", and the runs left if counted
    down ("3 runs left"); "" when none can be made."""
    text = ""
    if pattern:
        text = cron.describe(pattern)
    elif every_ms and every_ms > 0:
        text = cron.describe_every(every_ms)
    if runs_left is not None:
        left = ngettext("%(n)d run left", "%(n)d runs left", runs_left) % {"n": runs_left}
        text = f"{text} · {left}" if text else left
    return text
