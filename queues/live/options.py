"""Timings (seconds) and limits of live updates, from ``QUEUEBOARD["LIVE"]``.

The older ``QUEUEBOARD_LIVE`` setting is read too (``QUEUEBOARD["LIVE"]`` wins where both name
an option). Names and values are checked by ``manage.py check`` (``live/checks.py``): a
misspelt option or a value of the wrong kind is an error there, not at the first WebSocket.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from difflib import get_close_matches
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..backends.changes import FeedOptions
from ..conf import setting


@dataclass(frozen=True)
class LiveOptions:
    #: How long one read of a change feed (BullMQ: one XREAD) waits for events.
    block: float = 1.0
    #: Most events one read of a change feed takes (BullMQ: XREAD's COUNT).
    read_count: int = 500
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


#: Options that may be 0; every other one is above 0.
MAY_BE_ZERO = frozenset({"flush_interval", "linger"})
#: Options that are counts (whole numbers from 1); the others are seconds.
COUNTS = frozenset(f.name for f in fields(LiveOptions) if f.type in (int, "int"))


def _value(source: str, name: str, value: Any) -> Any:
    whole = isinstance(value, int) and not isinstance(value, bool)
    label = f"{source}[{name.upper()!r}]"
    if name in COUNTS:
        if not whole or value < 1:
            raise ImproperlyConfigured(f"{label} must be a whole number from 1, not {value!r}.")
        return value
    number = whole or (isinstance(value, float) and math.isfinite(value))
    if not number or value < 0 or (value == 0 and name not in MAY_BE_ZERO):
        above = "0 or more" if name in MAY_BE_ZERO else "above 0"
        raise ImproperlyConfigured(f"{label} must be a number of seconds {above}, not {value!r}.")
    return value


def _given(source: str, value: Any) -> dict[str, Any]:
    """The options of one setting, by field name, each checked."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{source} must be a dict, not {type(value).__name__}.")
    known = sorted(f.name.upper() for f in fields(LiveOptions))
    unknown = sorted(str(key) for key in value if key not in known)
    if unknown:
        named = []
        for name in unknown:
            close = get_close_matches(name.upper(), known, n=1)
            named.append(f"{name} (did you mean {close[0]}?)" if close else name)
        raise ImproperlyConfigured(
            f"Unknown {source} settings: {', '.join(named)}. Known: {', '.join(known)}."
        )
    return {key.lower(): _value(source, key.lower(), item) for key, item in value.items()}


def live_options() -> LiveOptions:
    older = _given("QUEUEBOARD_LIVE", getattr(settings, "QUEUEBOARD_LIVE", None))
    return LiveOptions(**{**older, **_given('QUEUEBOARD["LIVE"]', setting("LIVE"))})


def feed_options(options: LiveOptions) -> FeedOptions:
    """What a backend's change feed needs of the live options."""
    return FeedOptions(
        block=options.block,
        flush_interval=options.flush_interval,
        resync=options.resync,
        poll=options.poll,
        read_count=options.read_count,
    )
