"""An in-memory channel layer for one process whose cost per message does not grow with viewers.

channels' ``InMemoryChannelLayer`` sweeps every channel and group for expired entries on each
``receive`` and ``group_send``: with N viewers one update costs O(N) receives of O(N) sweeps
each. This subclass sweeps at most once per second, which keeps expiry (60 s by default)
effectively the same. Use it as ``CHANNEL_LAYERS["default"]["BACKEND"]`` for one process.
"""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer as _InMemoryChannelLayer

SWEEP_EVERY = 1.0


class InMemoryChannelLayer(_InMemoryChannelLayer):
    _swept = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._swept >= SWEEP_EVERY:
            self._swept = now
            super()._clean_expired()
