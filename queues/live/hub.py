"""The process-local fan-out of live updates: one channel per process, not one per viewer.

Profiling 200 queue-page clients at 10 events/s (py-spy on daphne) showed most of the time in
the per-consumer path: the channel layer copying each message into every consumer's queue,
one task wake-up per consumer, and channels' ``dispatch`` hopping to a thread
(``aclose_old_connections``) for every message of every consumer, before each consumer built
its own JSON text. Here the channel layer carries one message per *process* and group:

- A hub per event loop (one per daphne process) owns one channel. That channel is in a group
  while the process has a viewer in it, so ``group_send`` reaches each process once; with
  ``channels_redis`` and several processes every client still gets each update exactly once.
- The publisher names the group in the message; the hub builds the WebSocket text once per
  message and page type (``LiveConsumer.text``; a job page's per set of allowed actions) and
  writes it to each local member in one loop, without a task switch or a thread hop per
  viewer. The rare messages whose text depends on the viewer (a new queue on the overview:
  may this user see it?) are handed to each member's ``handle`` in a task of its own.
- Membership is what the consumer was allowed to join in ``connect()``: a viewer gets the
  messages of the groups of the queues and jobs its user may see, and nothing else.
- A consumer joins before its snapshot is read and is held (its texts buffered) until the
  snapshot is sent, so an update is neither lost nor delivered ahead of the snapshot.
- Watches (the queues and jobs viewers have open) are announced to the reader once per
  process and renewed by one timer, not one per viewer; so are the languages the viewers speak
  (``languages``), for the publisher to render each change in each of them once.
- Texts are built per page type, language and whether the message is of the page's own queue
  or job (``own_groups``) or of one it follows for its sidebar or flow.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol

from django.conf import settings
from django.utils import translation

from . import groups
from .languages import LANGUAGES_GROUP, LANGUAGES_MESSAGE, Spoken, spoken
from .layers import live_layer
from .options import LiveOptions, live_options
from .per_loop import PerLoop
from .publisher import ANNOUNCE_MESSAGE, WATCH_MESSAGE
from .stopping import cancel_and_wait

logger = logging.getLogger("queues.live")
#: Group memberships are added again this often: channel layers expire them (a day by default).
REJOIN_EVERY = 3600.0
#: Sockets written to between two yields to the loop while one message fans out, so that other
#: requests are served in between, and, on servers that write only when the loop runs (all but
#: daphne, whose frames ``daphne_frames`` sends at once), the first viewers' frames leave
#: before the last ones are handed over.
FAN_OUT_SLICE = 64

Watch = tuple[str, str, str | None]


class Member(Protocol):
    """What the hub needs of a consumer."""

    def text(self, message: dict[str, Any]) -> str | None:
        """The WebSocket text of ``message`` for this page type ("" for nothing, None: the
        text depends on the viewer, call ``handle``)."""
        ...

    async def forward(self, text: str) -> None: ...

    async def handle(self, message: dict[str, Any]) -> None: ...


class Hub:
    def __init__(self, layer: Any, options: LiveOptions) -> None:
        self.layer = layer
        self.options = options
        self.channel: str | None = None
        #: group -> local members, in joining order.
        self.members: dict[str, dict[Member, None]] = {}
        self.subscribed: set[str] = set()
        self.watched: Counter[Watch] = Counter()
        #: Messages received and texts written (for tests and the benchmark).
        self.received = 0
        self.written = 0
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._handling: set[asyncio.Task[None]] = set()
        self.spoken: Spoken = spoken()

    # -- membership ------------------------------------------------------------------------------

    async def join(self, member: Member, names: Iterable[str]) -> list[str]:
        """Add ``member`` to the groups ``names`` (and the viewers' group); returns them all."""
        await self._start()
        joined = list(dict.fromkeys([*names, groups.VIEWERS_GROUP]))
        new = member not in self.members.get(groups.VIEWERS_GROUP, {})
        for name in joined:
            self.members.setdefault(name, {})[member] = None
        if new and self.spoken.add(language_of(member)):
            await self._speak()
        await self._sync(joined)
        return joined

    async def leave(self, member: Member, names: Iterable[str]) -> None:
        names = list(names)
        if groups.VIEWERS_GROUP in names and member in self.members.get(groups.VIEWERS_GROUP, {}):
            self.spoken.remove(language_of(member))
        for name in names:
            local = self.members.get(name)
            if local is not None:
                local.pop(member, None)
                if not local:
                    del self.members[name]
        await self._sync(names)

    async def _sync(self, names: list[str]) -> None:
        """Subscribe the process channel to groups with members, and only to those."""
        if all((name in self.subscribed) == (name in self.members) for name in names):
            return
        async with self._lock:
            for name in names:
                wanted = name in self.members
                if wanted and name not in self.subscribed:
                    await self.layer.group_add(name, self.channel)
                    self.subscribed.add(name)
                elif not wanted and name in self.subscribed:
                    self.subscribed.discard(name)
                    await self.layer.group_discard(name, self.channel)

    # -- watches ---------------------------------------------------------------------------------

    async def watch(self, key: Watch) -> None:
        self.watched[key] += 1
        if self.watched[key] == 1:
            await self._announce([key])

    def unwatch(self, key: Watch) -> None:
        self.watched[key] -= 1
        if self.watched[key] <= 0:
            del self.watched[key]

    async def _speak(self) -> None:
        """Tell every process (the publisher's among them) the languages spoken here."""
        await self.layer.group_send(LANGUAGES_GROUP, self.spoken.message())

    async def _announce(self, keys: Iterable[Watch]) -> None:
        for alias, queue, job in keys:
            await self.layer.group_send(
                groups.READER_GROUP,
                {"type": WATCH_MESSAGE, "alias": alias, "queue": queue, "job": job},
            )

    # -- running ---------------------------------------------------------------------------------

    async def _start(self) -> None:
        if self.channel is None:
            self.channel = await self.layer.new_channel()
            await self.layer.group_add(LANGUAGES_GROUP, self.channel)
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._listen(), name="queueboard-live-hub"),
                asyncio.create_task(self._renew(), name="queueboard-live-hub-renew"),
            ]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(tasks)

    async def _listen(self) -> None:
        assert self.channel is not None
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except Exception as exc:  # the layer's Redis went away: wait, then listen again
                logger.warning("Live hub: the channel layer did not answer: %s", exc)
                await asyncio.sleep(self.options.backoff)
                continue
            try:
                await self.dispatch(message)
            except Exception:
                logger.exception("Live hub: message %r not forwarded", message.get("type"))

    async def _renew(self) -> None:
        period = self.options.watch_ttl / 3
        since_rejoin = 0.0
        while True:
            await asyncio.sleep(period)
            try:
                await self._announce(list(self.watched))
                if self.spoken.local:
                    await self._speak()
                since_rejoin += period
                if since_rejoin >= REJOIN_EVERY:
                    since_rejoin = 0.0
                    async with self._lock:
                        for name in [*self.subscribed, LANGUAGES_GROUP]:
                            await self.layer.group_add(name, self.channel)
            except Exception:
                logger.warning("Live hub: could not renew watches", exc_info=True)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Forward ``message`` to the local members of its group, one text per page type,
        language and relation to the group (the page's own, or followed)."""
        self.received += 1
        kind = message.get("type")
        if kind == LANGUAGES_MESSAGE:
            self.spoken.hear(message.get("languages") or ())
            return
        if kind == ANNOUNCE_MESSAGE:
            await self._announce(list(self.watched))
            await self._speak()
            return
        group = message.get("group") or ""
        local = self.members.get(group)
        if not local:
            return
        texts: dict[Any, str | None] = {}
        for index, member in enumerate(list(local)):
            if index and not index % FAN_OUT_SLICE:
                await asyncio.sleep(0)
            language = language_of(member)
            key = (
                getattr(member, "text_key", None) or type(member),
                language,
                group in getattr(member, "own_groups", ()),
            )
            if key in texts:
                text = texts[key]
            else:
                with translation.override(language):
                    text = texts[key] = member.text(message)
            if text is None:
                task = asyncio.create_task(_handle(member, message, language))
                self._handling.add(task)
                task.add_done_callback(self._handling.discard)
            elif text:
                self.written += 1
                await member.forward(text)


def language_of(member: Member) -> str:
    """The language ``member``'s page speaks (``LANGUAGE_CODE`` unless it says)."""
    return getattr(member, "language", None) or str(settings.LANGUAGE_CODE)


async def _handle(member: Member, message: dict[str, Any], language: str) -> None:
    with translation.override(language):
        await member.handle(message)


_hubs: PerLoop[Hub] = PerLoop(lambda: Hub(live_layer(), live_options()))
#: The hub of the running event loop (created on first use).
hub = _hubs.get
#: The hub of the running event loop if it has one.
current = _hubs.current
