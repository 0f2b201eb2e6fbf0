"""The channel layer of live updates, and an in-memory one for one process whose cost per
message does not grow with viewers.

channels' ``InMemoryChannelLayer`` sweeps every channel and group for expired entries on each
``receive`` and ``group_send``: with N viewers one update costs O(N) receives of O(N) sweeps
each. This subclass sweeps at most once per second, which keeps expiry (60 s by default)
effectively the same. Use it as ``CHANNEL_LAYERS["default"]["BACKEND"]`` for one process.

A site without ``CHANNEL_LAYERS`` gets one of these per process (``live_layer``): live updates
then work out of the box in one process, and ``manage.py check`` says so (``queueboard.W201``).
"""

from __future__ import annotations

import time
from typing import Any

from channels.layers import InMemoryChannelLayer as _InMemoryChannelLayer
from channels.layers import get_channel_layer

from .per_loop import PerLoop

SWEEP_EVERY = 1.0


class InMemoryChannelLayer(_InMemoryChannelLayer):
    _swept = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._swept >= SWEEP_EVERY:
            self._swept = now
            super()._clean_expired()


#: The layer of a site without ``CHANNEL_LAYERS``: one per event loop, which under daphne is
#: one per process (tests run a loop each, so none sees another's channels).
_fallbacks: PerLoop[InMemoryChannelLayer] = PerLoop(InMemoryChannelLayer)


def live_layer() -> Any:
    """The site's default channel layer, or this process's own in-memory one when it has none.

    Raises what channels raises for a layer it cannot make (a misconfigured ``CHANNEL_LAYERS``).
    """
    layer = get_channel_layer()
    return _fallbacks.get() if layer is None else layer
