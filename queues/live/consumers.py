"""WebSocket consumers of the overview, a queue page and a job page.

Each checks its user as the pages do, before accepting: anonymous users, users who may not
view the board and queues or jobs the user may not see are refused (closed before accept,
which the browser sees as a failed handshake). A consumer joins only the groups of queues and
jobs its user may see, sends one snapshot of its regions on connect (that is also how a
reconnecting client resynchronises), and afterwards only forwards what the reader sends.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from ..backends.base import QueueBackend
from ..backends.errors import BackendError, JobNotFound, QueueNotFound
from ..permissions import can_view_board
from ..reading import overview_sections, visible_backend
from . import groups, render
from .leader import LiveService, service
from .publisher import WATCH_MESSAGE

logger = logging.getLogger("queues.live")


class Refused(Exception):
    pass


class LiveConsumer(AsyncWebsocketConsumer):
    """Shared checks, group membership and watch renewal; subclasses say what they show."""

    groups_joined: list[str]
    #: (alias, queue, job id or None) announced to the reader, or None.
    watch: tuple[str, str, str | None] | None = None

    async def connect(self) -> None:
        self.groups_joined = []
        self.live: LiveService | None = None
        self.renewal: asyncio.Task[None] | None = None
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()
            return
        if not await database_sync_to_async(can_view_board)(user):
            await self.close()
            return
        try:
            names = await self.prepare(user)
        except (Refused, QueueNotFound, JobNotFound):
            await self.close()
            return
        for name in [*names, groups.VIEWERS_GROUP]:
            await self.channel_layer.group_add(name, self.channel_name)
            self.groups_joined.append(name)
        await self.accept()
        self.live = service()
        self.live.joined()
        try:
            snapshot = await self.snapshot()
        except BackendError as exc:
            logger.info("Live snapshot skipped: %s", exc)
            snapshot = ""
        if snapshot:
            await self.push(snapshot)
        if self.watch is not None:
            self.renewal = asyncio.create_task(self._renew())

    async def disconnect(self, code: int) -> None:
        if self.renewal is not None:
            self.renewal.cancel()
        for name in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(name, self.channel_name)
        if getattr(self, "live", None) is not None:
            self.live.left()  # type: ignore[union-attr]

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Clients have nothing to say; messages are ignored."""

    # -- what subclasses define --------------------------------------------------------------

    async def prepare(self, user: Any) -> list[str]:
        """Check access (raise ``Refused``/``QueueNotFound``) and return the groups to join."""
        raise NotImplementedError

    async def snapshot(self) -> str:
        """The current state of the page's live regions, as out-of-band fragments."""
        return ""

    # -- sending -----------------------------------------------------------------------------

    async def push(self, content: str = "", **data: Any) -> None:
        message: dict[str, Any] = {}
        if content:
            message["content"] = content
        if data:
            message["qb"] = data
        if message:
            await self.send(text_data=json.dumps(message, separators=(",", ":")))

    async def _announce(self) -> None:
        if self.watch is None:
            return
        alias, queue, job = self.watch
        await self.channel_layer.group_send(
            groups.READER_GROUP,
            {"type": WATCH_MESSAGE, "alias": alias, "queue": queue, "job": job},
        )

    async def _renew(self) -> None:
        period = service().options.watch_ttl / 3
        while True:
            await self._announce()
            await asyncio.sleep(period)

    # -- messages from the reader ------------------------------------------------------------

    async def qb_queue(self, event: dict[str, Any]) -> None:
        pass

    async def qb_job(self, event: dict[str, Any]) -> None:
        pass

    async def qb_announce(self, event: dict[str, Any]) -> None:
        await self._announce()

    async def qb_watch(self, event: dict[str, Any]) -> None:
        pass

    async def qb_resync(self, event: dict[str, Any]) -> None:
        await self.push(resync=True)


class OverviewConsumer(LiveConsumer):
    async def prepare(self, user: Any) -> list[str]:
        self.sections = await overview_sections(user)
        return [
            groups.queue_group(section.backend.alias, queue.name)
            for section in self.sections
            for queue in section.queues
        ]

    async def snapshot(self) -> str:
        return "".join(
            render.queue_row(section.backend, queue)
            for section in self.sections
            for queue in section.queues
        )

    async def qb_queue(self, event: dict[str, Any]) -> None:
        if event.get("row"):
            await self.push(event["row"])


class QueueConsumer(LiveConsumer):
    backend: QueueBackend

    async def prepare(self, user: Any) -> list[str]:
        kwargs = self.scope["url_route"]["kwargs"]
        alias, queue = str(kwargs["alias"]), str(kwargs["queue"])
        self.backend = await visible_backend(user, alias, queue)
        self.queue = queue
        self.watch = (alias, queue, None)
        return [groups.queue_group(alias, queue)]

    async def snapshot(self) -> str:
        return render.tab_counts(self.backend, await self.backend.get_queue(self.queue))

    async def qb_queue(self, event: dict[str, Any]) -> None:
        content = event.get("tabs", "") + event.get("progress", "")
        data = {key: event[key] for key in ("moved", "entered", "rows") if key in event}
        await self.push(content, **data)


class JobConsumer(LiveConsumer):
    backend: QueueBackend

    async def prepare(self, user: Any) -> list[str]:
        kwargs = self.scope["url_route"]["kwargs"]
        alias, queue, job_id = str(kwargs["alias"]), str(kwargs["queue"]), str(kwargs["job_id"])
        self.backend = await visible_backend(user, alias, queue)
        self.queue, self.job_id = queue, job_id
        self.watch = (alias, queue, job_id)
        return [groups.job_group(alias, queue, job_id)]

    async def snapshot(self) -> str:
        try:
            job = await self.backend.get_job(self.queue, self.job_id)
        except JobNotFound:
            return ""
        return render.job_page(self.backend, job)

    async def qb_job(self, event: dict[str, Any]) -> None:
        await self.push(event["html"])
