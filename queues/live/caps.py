"""How many sockets each user holds open in this process, under ``MAX_SOCKETS``.

Every socket costs the process a consumer and the reader a watch (a job page's log length is
polled while it is open), so one user opening sockets by the thousand must not be able to
multiply the board's Redis load. A socket over the cap is refused before its handshake.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable

from .per_loop import PerLoop


class SocketCounts:
    def __init__(self) -> None:
        self.open: Counter[Hashable] = Counter()

    def take(self, key: Hashable, limit: int) -> bool:
        """Count one more socket of ``key`` if it holds fewer than ``limit``."""
        if self.open[key] >= limit:
            return False
        self.open[key] += 1
        return True

    def give_back(self, key: Hashable) -> None:
        self.open[key] -= 1
        if self.open[key] <= 0:
            del self.open[key]


_counts: PerLoop[SocketCounts] = PerLoop(SocketCounts)
#: The socket counts of the running event loop (one per daphne process).
socket_counts = _counts.get
