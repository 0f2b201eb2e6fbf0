"""WebSocket consumers of the overview, a queue page and a job page.

Each checks its user as the pages do, before accepting: anonymous users, users who may not
view the board and queues or jobs the user may not see are refused (closed before accept,
which the browser sees as a failed handshake). A consumer joins only the groups of queues and
jobs its user may see, sends one snapshot of its regions on connect (that is also how a
reconnecting client resynchronises), and afterwards only forwards what the reader sends,
through the process's hub (``hub``), which builds each text once per message and page type.
"""

from __future__ import annotations

import bisect
import json
import logging
from collections.abc import Hashable
from types import SimpleNamespace
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.text import slugify

from ..actions.permissions import allowed_actions
from ..backends.base import QueueBackend
from ..backends.errors import BackendError, JobNotFound, QueueNotFound
from ..permissions import can_view_board
from ..reading import overview_sections, visible_backend
from ..states import JobState
from . import groups, render
from .hub import Hub, hub
from .leader import LiveService, service
from .publisher import ADDED_MESSAGE, JOB_MESSAGE, QUEUE_MESSAGE, RESYNC_MESSAGE

logger = logging.getLogger("queues.live")


class Refused(Exception):
    pass


def encode(content: str = "", **data: Any) -> str:
    """The WebSocket text of out-of-band fragments and data for live.js ("" for nothing)."""
    message: dict[str, Any] = {}
    if content:
        message["content"] = content
    if data:
        message["qb"] = data
    return json.dumps(message, separators=(",", ":")) if message else ""


class LiveConsumer(AsyncWebsocketConsumer):
    """Shared checks and hub membership; subclasses say what they show.

    Updates do not go through this consumer's own channel: the process's hub (``hub``) forwards
    the text of each message, built once per page type by ``text``, to every local member.
    """

    groups_joined: list[str]
    #: (alias, queue, job id or None) announced to the reader, or None.
    watch: tuple[str, str, str | None] | None = None
    #: Texts held while the snapshot is read and sent; None once it has been.
    held: list[str] | None = None

    async def connect(self) -> None:
        self.groups_joined = []
        self.live: LiveService | None = None
        self.hub: Hub | None = None
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
        self.held = []
        self.hub = hub()
        self.groups_joined = await self.hub.join(self, names)
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
        while self.held:
            await self._write(self.held.pop(0))
        self.held = None
        if self.watch is not None:
            await self.hub.watch(self.watch)

    async def disconnect(self, code: int) -> None:
        live_hub = getattr(self, "hub", None)
        if live_hub is not None:
            self.hub = None
            if self.watch is not None and self.held is None:
                live_hub.unwatch(self.watch)
            await live_hub.leave(self, self.groups_joined)
        if getattr(self, "live", None) is not None:
            self.live.left()  # type: ignore[union-attr]
            self.live = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Clients have nothing to say; messages are ignored."""

    # -- what subclasses define --------------------------------------------------------------

    async def prepare(self, user: Any) -> list[str]:
        """Check access (raise ``Refused``/``QueueNotFound``) and return the groups to join."""
        raise NotImplementedError

    async def snapshot(self) -> str:
        """The current state of the page's live regions, as out-of-band fragments."""
        return ""

    #: Consumers with the same key get the same text for a message (the hub builds it once).
    text_key: Hashable = None

    def text(self, message: dict[str, Any]) -> str | None:
        """The text of a message from the reader for this page type, the same for every
        consumer of the same ``text_key`` (its class unless set); None to have ``handle``
        called for this viewer instead."""
        if message.get("type") == RESYNC_MESSAGE:
            return encode(resync=True)
        return ""

    async def handle(self, message: dict[str, Any]) -> None:
        """A message whose text depends on this viewer (``text`` returned None)."""

    # -- sending -----------------------------------------------------------------------------

    async def push(self, content: str = "", **data: Any) -> None:
        text = encode(content, **data)
        if text:
            await self.send(text_data=text)

    async def forward(self, text: str) -> None:
        """Called by the hub: write ``text``, or hold it until the snapshot has gone."""
        if self.held is not None:
            self.held.append(text)
            return
        try:
            await self._write(text)
        except Exception:
            logger.debug("Live update not written to a closing connection", exc_info=True)

    async def _write(self, text: str) -> None:
        await self.base_send({"type": "websocket.send", "text": text})


class OverviewConsumer(LiveConsumer):
    async def prepare(self, user: Any) -> list[str]:
        self.user = user
        self.sections = await overview_sections(user)
        #: alias -> the names of the rows shown, sorted as the overview sorts them.
        self.shown = {s.backend.alias: sorted(q.name for q in s.queues) for s in self.sections}
        return [
            *(
                groups.queue_group(section.backend.alias, queue.name)
                for section in self.sections
                for queue in section.queues
            ),
            groups.OVERVIEW_GROUP,
        ]

    async def snapshot(self) -> str:
        return "".join(
            render.queue_row(section.backend, queue)
            for section in self.sections
            for queue in section.queues
        )

    def text(self, message: dict[str, Any]) -> str | None:
        kind = message.get("type")
        if kind == QUEUE_MESSAGE:
            return encode(message.get("row", ""))
        if kind == ADDED_MESSAGE:
            return None  # whether the user may see the queue: per viewer (``handle``)
        return super().text(message)

    async def handle(self, message: dict[str, Any]) -> None:
        """A new queue: if this user may see it, follow it and insert its row in name order."""
        alias, name = str(message.get("alias")), str(message.get("queue"))
        shown = self.shown.get(alias)
        if shown is None or name in shown or self.hub is None:
            return
        try:
            backend = await visible_backend(self.user, alias, name)
        except QueueNotFound:
            return
        if name in shown or self.hub is None:
            return
        bisect.insort(shown, name)
        group = groups.queue_group(alias, name)
        await self.hub.join(self, [group])
        self.groups_joined.append(group)
        following = shown[shown.index(name) + 1 :]
        added = {
            "section": f"backend-{slugify(backend.alias)}",
            "row": str(message.get("row", "")),
            "before": groups.queue_row_id(alias, following[0]) if following else None,
        }
        await self.forward(encode(added=added))


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

    def text(self, message: dict[str, Any]) -> str | None:
        if message.get("type") == QUEUE_MESSAGE:
            content = message.get("tabs", "") + message.get("progress", "")
            data = {key: message[key] for key in ("moved", "entered", "rows") if key in message}
            return encode(content, **data)
        return super().text(message)


class JobConsumer(LiveConsumer):
    backend: QueueBackend

    async def prepare(self, user: Any) -> list[str]:
        kwargs = self.scope["url_route"]["kwargs"]
        alias, queue, job_id = str(kwargs["alias"]), str(kwargs["queue"]), str(kwargs["job_id"])
        self.backend = await visible_backend(user, alias, queue)
        self.queue, self.job_id = queue, job_id
        self.watch = (alias, queue, job_id)
        self.allowed = frozenset(
            await database_sync_to_async(allowed_actions)(user, self.backend, queue)
        )
        # The actions differ by what the user may do: one text per message and set of actions.
        self.text_key = (JobConsumer, self.allowed)
        return [groups.job_group(alias, queue, job_id)]

    async def snapshot(self) -> str:
        try:
            job = await self.backend.get_job(self.queue, self.job_id)
        except JobNotFound:
            return ""
        return render.job_page(self.backend, job) + self.actions(job.state)

    def text(self, message: dict[str, Any]) -> str | None:
        if message.get("type") == JOB_MESSAGE:
            html = message.get("html", "")
            if "state" in message:
                html += self.actions(JobState(message["state"]))
            return encode(html)
        return super().text(message)

    def actions(self, state: JobState) -> str:
        job = SimpleNamespace(
            backend=self.backend.alias, queue=self.queue, id=self.job_id, state=state
        )
        return render.job_actions(self.backend, job, self.allowed)
