"""The one reader of a deployment: a follower per backend, one publisher, the watch list.

A backend with a change feed (``QueueBackend.change_feed``) is followed through it
(``feed_follower``); one without is polled through its reads (``poller``).

Run by the process that holds the leadership (see ``leader``). It listens on the
``queueboard.reader`` group for consumers announcing what they watch, and asks them all to
announce again when it starts, so a reader taking over knows the watched jobs at once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from ..alerts.evaluator import run_alerts
from ..backends import backends
from ..backends.base import QueueBackend
from . import groups
from .feed_follower import FeedFollower, open_feed
from .options import LiveOptions
from .poller import CountPoller
from .publisher import WATCH_MESSAGE, Publisher
from .stopping import cancel_and_wait
from .watches import Watches

logger = logging.getLogger("queues.live")


class Follower(Protocol):
    async def run(self) -> None: ...


class Reader:
    def __init__(self, layer: Any, options: LiveOptions) -> None:
        self.layer = layer
        self.options = options
        self.publisher = Publisher(layer)
        self.watches = Watches(options.watch_ttl)
        self.followers: dict[str, Follower] = {}

    def follower_for(self, backend: QueueBackend) -> Follower:
        args = (self.publisher, self.watches, self.options)
        feed = open_feed(backend, self.watches, self.options)
        if feed is None:
            return CountPoller(backend, *args)
        return FeedFollower(backend, *args, feed=feed)

    def handle(self, message: dict[str, Any]) -> None:
        if message.get("type") == WATCH_MESSAGE:
            alias, queue, job = message.get("alias"), message.get("queue"), message.get("job")
            if isinstance(alias, str) and isinstance(queue, str):
                self.watches.touch(alias, queue, job if isinstance(job, str) else None)

    async def _listen(self, channel: str) -> None:
        while True:
            self.handle(await self.layer.receive(channel))

    async def run(self) -> None:
        # The default prefix: every channel of this process then shares one receive loop.
        channel = await self.layer.new_channel()
        await self.layer.group_add(groups.READER_GROUP, channel)
        tasks: list[asyncio.Task[None]] = []
        try:
            tasks.append(asyncio.create_task(self._listen(channel)))
            await self.publisher.announce()
            tasks.append(asyncio.create_task(run_alerts(), name="queueboard-alerts"))
            for alias in backends:
                follower = self.follower_for(backends[alias])
                self.followers[alias] = follower
                tasks.append(asyncio.create_task(follower.run(), name=f"queueboard-live-{alias}"))
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
        finally:
            await cancel_and_wait(tasks)
            try:
                await self.layer.group_discard(groups.READER_GROUP, channel)
            except Exception:
                logger.debug("Live reader: could not leave its group", exc_info=True)
