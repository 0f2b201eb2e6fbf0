"""Small limiters: a rate limit kept in Django's cache, and a per-process concurrency gate.

``RateLimit`` counts attempts per key in a *sliding window* (the usual two-counter estimate:
the previous fixed window's count, weighted by how much of it still overlaps the last
``period`` seconds, plus the current window's count), so a burst around a window boundary
gets no more than ``limit`` attempts either. Counters live in the cache named by the
``LIMITS_CACHE`` setting (Django's ``default`` unless set): a cache shared by every process
(Redis, Memcached, the database) makes a limit hold for the whole site; the local-memory cache
(Django's default) holds it per process. Refused attempts are not counted, so a key always
gets ``limit`` attempts per ``period`` however often it knocks.

``Gate`` admits at most ``limit_per_key`` holders per key and ``limit_total`` in all, within
one process; a full gate raises ``Busy`` at once (nothing waits)::

    gate = Gate(limit_per_key=1, limit_total=4)
    async with gate.enter(user_id):   # or a plain ``with``: entering does no I/O
        ...
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from django.core.cache import BaseCache, caches

from .conf import setting

__all__ = ["Busy", "Gate", "RateLimit"]

Clock = Callable[[], float]


class RateLimit:
    """At most ``limit`` attempts per key in any ``period`` seconds (a sliding window).

    ``name`` keeps the counters of different limits apart; keys are hashed, so any text (a
    user name, an address) is a valid key for every cache backend.
    """

    def __init__(self, name: str, limit: int, period: float, *, clock: Clock = time.time) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("A rate limit needs limit >= 1 and period > 0.")
        self.name = name
        self.limit = int(limit)
        self.period = float(period)
        self._clock = clock

    # -- the cache keys --------------------------------------------------------------------------

    @property
    def cache(self) -> BaseCache:
        return caches[str(setting("LIMITS_CACHE"))]

    def _keys(self, key: str, now: float) -> tuple[str, str, float]:
        """The previous and current windows' counter keys, and how far into the current one."""
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        window = math.floor(now / self.period)
        base = f"queueboard:limit:{self.name}:{digest}:"
        return f"{base}{window - 1}", f"{base}{window}", now / self.period - window

    @property
    def _timeout(self) -> int:
        """Counters outlive the window after theirs, which still weighs them."""
        return math.ceil(2 * self.period) + 1

    # -- the arithmetic ----------------------------------------------------------------------------

    def _estimate(self, previous: int, current: int, elapsed: float) -> float:
        """Attempts in the last ``period``: the previous window's, assumed evenly spread."""
        return previous * (1.0 - elapsed) + current

    def _within(self, previous: int, current: int, elapsed: float) -> bool:
        """Whether the estimate is within the limit (float noise aside)."""
        return self._estimate(previous, current, elapsed) <= self.limit + 1e-6

    def _fits(self, previous: int, current: int, elapsed: float) -> bool:
        """Whether one more attempt keeps the estimate within the limit."""
        return self._within(previous, current + 1, elapsed)

    def _wait(self, previous: int, current: int, elapsed: float) -> int:
        """Whole seconds until one more attempt fits (0 when it fits now)."""
        if self._fits(previous, current, elapsed):
            return 0
        if current + 1 > self.limit:
            # Not in this window; in the next one, once current * (1 - f) + 1 <= limit.
            fits_at = 1.0 + (1.0 - (self.limit - 1) / current)
        else:
            # previous * (1 - f) + current + 1 <= limit  <=>  f >= 1 - (limit-current-1)/previous
            fits_at = 1.0 - (self.limit - current - 1) / previous
        return max(1, math.ceil((fits_at - elapsed) * self.period))

    # -- sync API ----------------------------------------------------------------------------------

    def hit(self, key: str) -> bool:
        """Record one attempt for ``key``; False (and nothing recorded) when over the limit.

        The counter is raised first and lowered again when over: concurrent attempts each see
        their own count, so no more than ``limit`` get through together.
        """
        previous_key, current_key, elapsed = self._keys(key, self._clock())
        cache = self.cache
        previous = int(cache.get(previous_key, 0))
        if not self._fits(previous, 0, elapsed):
            return False
        cache.add(current_key, 0, self._timeout)
        try:
            current = int(cache.incr(current_key))
        except ValueError:  # expired between add and incr
            cache.set(current_key, 1, self._timeout)
            current = 1
        if not self._within(previous, current, elapsed):
            try:
                cache.decr(current_key)
            except ValueError:  # expired meanwhile: nothing left to take back
                pass
            return False
        return True

    def blocked(self, key: str) -> bool:
        """Whether the next ``hit`` would be refused (records nothing)."""
        return self.retry_after(key) > 0

    def retry_after(self, key: str) -> int:
        """Whole seconds until ``key`` may try again; 0 when it may now."""
        previous_key, current_key, elapsed = self._keys(key, self._clock())
        counts = self.cache.get_many([previous_key, current_key])
        return self._wait(
            int(counts.get(previous_key, 0)), int(counts.get(current_key, 0)), elapsed
        )

    def undo(self, key: str) -> None:
        """Take back one attempt ``hit`` recorded for ``key`` (one that turned out not to count,
        such as a login that succeeded). Recording first and taking back keeps concurrent
        attempts within the limit."""
        _, current_key, _ = self._keys(key, self._clock())
        cache = self.cache
        try:
            if int(cache.get(current_key, 0)) > 0:
                cache.decr(current_key)
        except ValueError:  # expired meanwhile
            pass

    def reset(self, key: str) -> None:
        """Forget the attempts of ``key``."""
        previous_key, current_key, _ = self._keys(key, self._clock())
        self.cache.delete_many([previous_key, current_key])

    # -- async API (Django's cache methods; a cache without native async runs them in a thread)

    async def ahit(self, key: str) -> bool:
        """``hit`` for async code."""
        previous_key, current_key, elapsed = self._keys(key, self._clock())
        cache = self.cache
        previous = int(await cache.aget(previous_key, 0))
        if not self._fits(previous, 0, elapsed):
            return False
        await cache.aadd(current_key, 0, self._timeout)
        try:
            current = int(await cache.aincr(current_key))
        except ValueError:
            await cache.aset(current_key, 1, self._timeout)
            current = 1
        if not self._within(previous, current, elapsed):
            try:
                await cache.adecr(current_key)
            except ValueError:
                pass
            return False
        return True

    async def aretry_after(self, key: str) -> int:
        """``retry_after`` for async code."""
        previous_key, current_key, elapsed = self._keys(key, self._clock())
        counts = await self.cache.aget_many([previous_key, current_key])
        return self._wait(
            int(counts.get(previous_key, 0)), int(counts.get(current_key, 0)), elapsed
        )


class Busy(Exception):
    """A ``Gate`` is full; ``scope`` is ``"key"`` (this key holds its share) or ``"total"``."""

    def __init__(self, scope: str) -> None:
        super().__init__(f"The gate is full ({scope}).")
        self.scope = scope


class Gate:
    """At most ``limit_per_key`` holders per key and ``limit_total`` in all, in this process.

    Thread-safe (the test client and ``sync_to_async`` run views on several threads); entering
    and leaving take a lock for a few dictionary operations and never wait for a place.
    """

    def __init__(self, limit_per_key: int, limit_total: int) -> None:
        if limit_per_key < 1 or limit_total < 1:
            raise ValueError("A gate needs limits of at least 1.")
        self.limit_per_key = int(limit_per_key)
        self.limit_total = int(limit_total)
        self._lock = threading.Lock()
        self._held: dict[str, int] = {}
        self._total = 0

    def enter(self, key: str) -> _Pass:
        """A context manager (sync or async) holding a place for ``key``; raises ``Busy``."""
        return _Pass(self, key)

    def holders(self, key: str | None = None) -> int:
        """Places held by ``key`` (or in all)."""
        with self._lock:
            return self._total if key is None else self._held.get(key, 0)

    def _acquire(self, key: str) -> None:
        with self._lock:
            if self._held.get(key, 0) >= self.limit_per_key:
                raise Busy("key")
            if self._total >= self.limit_total:
                raise Busy("total")
            self._held[key] = self._held.get(key, 0) + 1
            self._total += 1

    def _release(self, key: str) -> None:
        with self._lock:
            left = self._held.get(key, 0) - 1
            if left > 0:
                self._held[key] = left
            else:
                self._held.pop(key, None)
            self._total = max(self._total - 1, 0)


class _Pass:
    """One place in a ``Gate``, taken on entry and given back on exit (also on errors)."""

    def __init__(self, gate: Gate, key: str) -> None:
        self.gate = gate
        self.key = key

    def __enter__(self) -> _Pass:
        self.gate._acquire(self.key)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.gate._release(self.key)

    async def __aenter__(self) -> _Pass:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, traceback)
