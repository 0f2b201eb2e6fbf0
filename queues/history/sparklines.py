"""The overview's sparklines: each queue's finished jobs per minute over the last hour.

The overview reads them for all its queues in one query per backend (``load``) at most every
``KEEP_SECONDS``, and keeps them per process; its rows (and the live updates re-rendering a
row) draw what is kept and never read anything themselves. ``version`` changes with the kept
points, so rows cached by content (``queues.fragments``) are drawn again when they change.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from asgiref.sync import sync_to_async

from ..conf import setting
from . import store
from .buckets import Resolution
from .series import sparkline_points

KEEP_SECONDS = 30.0
#: Queues kept at most (emptied beyond).
MAX_KEPT = 10_000
Points = list[tuple[int, int]]
#: (alias, queue) -> (when read, points, their version).
_kept: dict[tuple[str, str], tuple[float, Points, object]] = {}


def kept(alias: str, queue: str) -> Points | None:
    found = _kept.get((alias, queue))
    return found[1] if found is not None else None


def version(alias: str, queue: str) -> object:
    """What the kept points of a queue are, for keys: None when there are none or all are 0
    (the row draws no sparkline). Worked out once when they are read, not per row drawn."""
    found = _kept.get((alias, queue))
    return found[2] if found is not None else None


def _version_of(points: Points) -> object:
    return tuple(points) if any(c or f for c, f in points) else None


def _read(wanted: Sequence[tuple[str, str]], now: float) -> dict[tuple[str, str], Points]:
    since = Resolution.MINUTE.start(now) - 59 * 60
    rows = store.read_many(wanted, Resolution.MINUTE, since)
    return {key: sparkline_points(rows.get(key, []), now) for key in wanted}


async def load(queues: Iterable[tuple[str, str]], *, now: float | None = None) -> None:
    """Read the sparklines of ``queues`` not read within ``KEEP_SECONDS``."""
    if not setting("HISTORY"):
        return
    now = time.time() if now is None else now
    wanted = [key for key in queues if key not in _kept or now - _kept[key][0] >= KEEP_SECONDS]
    if not wanted:
        return
    found = await sync_to_async(_read)(wanted, now)
    if len(_kept) + len(found) > MAX_KEPT:
        _kept.clear()
    for key, points in found.items():
        _kept[key] = (now, points, _version_of(points))


def forget() -> None:
    _kept.clear()
