"""Timings (seconds) and limits of live updates, from the optional ``QUEUEBOARD_LIVE`` setting."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class LiveOptions:
    #: How long one XREAD waits for events.
    block: float = 1.0
    #: Least time between two flushes (count reads, rendering) while events arrive.
    flush_interval: float = 0.05
    #: Every queue's counts are read again this often (streams are trimmed; events get lost).
    resync: float = 5.0
    #: Backends without an event stream are polled this often; watched jobs' logs too.
    poll: float = 1.0
    #: A watch not renewed within this long is dropped; consumers renew at a third of it.
    watch_ttl: float = 30.0
    #: A process without viewers stops reading after this long.
    linger: float = 30.0
    #: The leader lock's lifetime in Redis; renewed at a third of it.
    lock_ttl: float = 6.0
    #: First and longest wait before reconnecting to a Redis that failed.
    backoff: float = 0.5
    max_backoff: float = 10.0
    #: Most new rows sent for insertion per state and flush (a full page).
    max_rows: int = 20
    #: An open socket's user is read again this often (session, active, access rule,
    #: permissions); the socket closes when it may no longer see its page.
    recheck: float = 30.0
    #: Most sockets one user may hold open in one board process (a page holds one).
    max_sockets: int = 30


def live_options() -> LiveOptions:
    given: dict[str, Any] = dict(getattr(settings, "QUEUEBOARD_LIVE", None) or {})
    known = {f.name for f in fields(LiveOptions)}
    unknown = sorted(set(given) - {name.upper() for name in known})
    if unknown:
        raise ImproperlyConfigured(f"Unknown QUEUEBOARD_LIVE settings: {', '.join(unknown)}.")
    return LiveOptions(**{key.lower(): value for key, value in given.items()})
