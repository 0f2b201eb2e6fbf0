"""Exactly one active reader: per process with the in-memory layer, per deployment with Redis.

With ``channels_redis`` the processes that have viewers compete for a lock in the channel
layer's Redis (``SET NX PX``, renewed at a third of its lifetime by compare-and-expire); the
holder runs the reader, the others wait and take over within one lock lifetime if it goes.
With the in-memory layer (one process by definition) the process simply runs it.
A process whose last viewer left stops reading after ``linger`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from typing import Any

import redis
import redis.asyncio

from .layers import live_layer
from .options import LiveOptions, live_options
from .per_loop import PerLoop
from .reader import Reader
from .stopping import cancel_and_wait

logger = logging.getLogger("queues.live")
LOCK_KEY = "queueboard:live:leader"
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


def _layer_redis(layer: Any) -> redis.asyncio.Redis | None:
    """A client of the channel layer's (first) Redis, or None for a layer without Redis."""
    hosts = getattr(layer, "hosts", None)
    if not hosts:
        return None
    from channels_redis.utils import create_pool

    return redis.asyncio.Redis(connection_pool=create_pool(hosts[0]))


class LiveService:
    """The reader's lifecycle in one event loop (one per process under daphne)."""

    def __init__(self, layer: Any, options: LiveOptions) -> None:
        self.layer = layer
        self.options = options
        self.viewers = 0
        self.idle_since: float | None = None
        self.task: asyncio.Task[None] | None = None
        self.reader: Reader | None = None
        self.token = uuid.uuid4().hex

    @property
    def leading(self) -> bool:
        return self.reader is not None

    def joined(self) -> None:
        self.viewers += 1
        self.idle_since = None
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run(), name="queueboard-live")

    def left(self) -> None:
        self.viewers = max(self.viewers - 1, 0)
        if self.viewers == 0:
            self.idle_since = time.monotonic()

    def idle(self) -> bool:
        return (
            self.viewers == 0
            and self.idle_since is not None
            and time.monotonic() - self.idle_since >= self.options.linger
        )

    async def stop(self) -> None:
        if self.task is not None:
            await cancel_and_wait([self.task])
            self.task = None

    async def _run(self) -> None:
        client = _layer_redis(self.layer)
        delay = self.options.backoff
        try:
            while not self.idle():
                try:
                    if client is None:
                        await self._lead(None)
                    elif await self._acquire(client):
                        try:
                            await self._lead(client)
                        finally:
                            await client.eval(_RELEASE, 1, LOCK_KEY, self.token)
                    delay = self.options.backoff
                    await asyncio.sleep(self.options.lock_ttl / 3)
                except (redis.RedisError, OSError) as exc:
                    logger.warning("Live updates: %s; retrying", exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.options.max_backoff)
                except Exception:
                    logger.exception("Live reader failed; restarting")
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.options.max_backoff)
        finally:
            if client is not None:
                await client.aclose()

    async def _acquire(self, client: redis.asyncio.Redis) -> bool:
        ttl_ms = int(self.options.lock_ttl * 1000)
        return bool(await client.set(LOCK_KEY, self.token, nx=True, px=ttl_ms))

    async def _lead(self, client: redis.asyncio.Redis | None) -> None:
        """Run the reader until this process goes idle or (with Redis) loses the lock."""
        self.reader = Reader(self.layer, self.options)
        logger.info("Live updates: process %s reads the queues", os.getpid())
        reading = asyncio.create_task(self.reader.run(), name="queueboard-live-reader")
        try:
            while not reading.done() and not self.idle():
                await asyncio.wait({reading}, timeout=self.options.lock_ttl / 3)
                if client is not None and not reading.done():
                    ttl_ms = int(self.options.lock_ttl * 1000)
                    if not await client.eval(_RENEW, 1, LOCK_KEY, self.token, ttl_ms):
                        logger.warning("Live leadership lost; another process reads now")
                        break
            if reading.done():
                reading.result()
        finally:
            await cancel_and_wait([reading])
            self.reader = None


_services: PerLoop[LiveService] = PerLoop(lambda: LiveService(live_layer(), live_options()))
#: The live service of the running event loop (created on first use).
service = _services.get
#: The live service of the running event loop if it has one.
current = _services.current
