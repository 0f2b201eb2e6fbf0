"""WebSocket consumers of the overview, a queue page and a job page.

Each checks its handshake as the pages check a request, before accepting: a foreign ``Origin``
(``origin``), anonymous users, users over their socket cap (``caps``), users who may not view
the board, queues the user may not see and queues or jobs that do not exist are all refused
alike (closed before accept, which the browser sees as a failed handshake), so a hidden
queue's name cannot be told from a missing one. A consumer joins only the groups of queues and
jobs its user may see, sends one snapshot of its regions on connect (that is also how a
reconnecting client resynchronises), and afterwards only forwards what the reader sends,
through the process's hub (``hub``), which builds each text once per message and page type.

Clients have nothing to say: the first frame a client sends closes its socket (4008), and
frames still arriving are dropped without work, so a flood neither queues up nor costs a
thread hop each. A socket's session and user are checked again every ``RECHECK`` seconds and
before forwarding past that, and its session's logout closes it (``sessions``).
"""

from __future__ import annotations

import asyncio
import bisect
import json
import logging
import time
from collections.abc import Hashable
from types import SimpleNamespace
from typing import Any

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.utils import await_many_dispatch
from django.http import QueryDict
from django.utils import translation
from django.utils.text import slugify

from ..actions.permissions import allowed_actions
from ..backends import backends
from ..backends.base import QueueBackend
from ..backends.errors import BackendError, JobNotFound, QueueNotFound
from ..errors import BadRequest
from ..language import scope_language
from ..overview import OverviewOptions, arrange
from ..permissions import can_view_board, on_loop_if_no_io, visible_queue_names
from ..reading import BackendSection, overview_sections, visible_backend
from ..redaction import sees_unredacted
from ..sidebar import SidebarEntry, build_sidebar
from ..sidebar_count import sidebar_count
from ..states import JobState
from . import groups, render
from .caps import socket_counts
from .daphne_frames import SocketWriter, socket_writer
from .frame_send import frame_send
from .hub import Hub, hub
from .languages import localized
from .leader import LiveService, service
from .options import LiveOptions
from .origin import origin_allowed
from .publisher import ADDED_MESSAGE, JOB_MESSAGE, QUEUE_MESSAGE, RESYNC_MESSAGE
from .sessions import LOGOUT_MESSAGE, session_digest, session_users
from .watches import FLOW

logger = logging.getLogger("queues.live")

#: Close codes once accepted. daphne (autobahn) lets an application send only 1000 and
#: 3000-4999, so these are the standard codes in the 4000s: 4008 as 1008, policy violation.
#: live.js has hx-ws reconnect after 4011-4013 and poll after the others.
UNEXPECTED_FRAME = 4008  # the client sent a frame: it has nothing to say
SESSION_ENDED = 4001  # logged out, or the session is no longer valid
ACCESS_REVOKED = 4003  # the user may no longer see the page
CHECK_FAILED = 4011  # the user could not be read again (database down): reconnect later
RECONNECT = 4012  # what the user may do or see changed: reconnect for the page's new state
OVERLOADED = 4013  # too many texts held for this socket: reconnect (and resynchronise)
#: Texts held for one socket at most (while its snapshot or a re-check is under way).
MAX_HELD = 1000
#: Queues of a flow whose moves a job page follows at most.
MAX_FLOW_QUEUES = 50
#: The largest text sent (UTF-8 bytes), unless the server's limit is lower: daphne's default
#: (autobahn applies it to what daphne sends, too). A larger update (a job page with megabytes
#: of logs) is replaced by a resync, and the page reads its regions over HTTP.
MAX_TEXT_BYTES = 1024 * 1024


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


#: What replaces a text over the size limit.
OVERSIZED = encode(resync=True)


def oversized(text: str, limit: int) -> bool:
    """Whether ``text`` is more than ``limit`` bytes in UTF-8 (encoded only when it may be)."""
    return len(text) * 4 > limit and len(text.encode("utf-8")) > limit


_last_oversized: list[str] = []


def _log_oversized(text: str, limit: int) -> None:
    """Say so once per text, not once per viewer it fans out to."""
    if not _last_oversized or _last_oversized[0] is not text:
        _last_oversized[:] = [text]
        logger.info("Live update over %s bytes not sent: the page reads it over HTTP", limit)


class LiveConsumer(AsyncWebsocketConsumer):
    """Shared checks and hub membership; subclasses say what they show.

    Updates do not go through this consumer's own channel (it has none): the process's hub
    (``hub``) forwards the text of each message, built once per page type by ``text``, to
    every local member.
    """

    groups_joined: list[str]
    #: The language of the page (``scope_language``).
    language: str | None = None
    #: The groups of the page's own queue or job; the others joined (the sidebar's queues, a
    #: flow's) give it only their sidebar count (and flow moves): the hub keeps texts apart.
    own_groups: frozenset[str] = frozenset()
    #: alias -> the names of the queues whose sidebar counts the page follows.
    sidebar_shown: dict[str, list[str]]
    #: The sidebar's entries as read when connecting (for the snapshot).
    sidebar_entries: list[tuple[QueueBackend, SidebarEntry]] = []
    #: (alias, queue, job id or None) announced to the reader, or None.
    watch: tuple[str, str, str | None] | None = None
    #: Other queues announced to the reader (a job page's flow): their events are read even
    #: when the reader's discovery has not listed them yet.
    also_watched: tuple[tuple[str, str, str | None], ...] = ()
    #: Texts held while the snapshot is read and sent or the user is read again; else None.
    held: list[str] | None = None
    #: Set once the socket is being closed: nothing is forwarded any more.
    closing = False
    hub: Hub | None = None
    live: LiveService | None = None
    #: The key of the socket counted against its user's cap (given back on leaving).
    slot: Hashable | None = None
    #: Whether the watch was announced (and must be withdrawn on leaving).
    watching = False
    #: The next re-check of the user, the one under way, and until when the last one holds.
    timer: asyncio.TimerHandle | None = None
    checking: asyncio.Task[None] | None = None
    verified_until = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """channels' loop without a channel per consumer: the hub has the process's one, and
        getting a channel layer (which can fail) happens in ``connect``, which then refuses
        the socket cleanly instead of failing the handshake with a 500."""
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        #: Where frames go: beneath channels' session wrapper (``frame_send``).
        self.frame_send = frame_send(send)
        #: Under daphne, frames go straight to the socket where they can (``daphne_frames``).
        self.socket: SocketWriter | None = socket_writer(self.frame_send)
        #: The page's language: its snapshot and what the hub forwards to it speak it.
        self.language = scope_language(scope)
        try:
            with translation.override(self.language):
                await await_many_dispatch([receive], self.dispatch)
        except StopConsumer:
            pass

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") == "websocket.receive":
            await self.end(UNEXPECTED_FRAME)  # no thread hop, and only once
            return
        await super().dispatch(message)

    async def connect(self) -> None:
        self.groups_joined = []
        self.sidebar_shown = {}
        user = self.scope.get("user")
        if not origin_allowed(self.scope) or user is None or not user.is_authenticated:
            await self.end()
            return
        self.user_pk = user.pk
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        try:
            self.hub = hub()
        except Exception as exc:  # a channel layer that cannot be made, bad QUEUEBOARD_LIVE
            logger.warning("Live updates unavailable (pages poll instead): %s", exc)
            await self.end()
            return
        self.options: LiveOptions = self.hub.options
        if not socket_counts().take(self.user_pk, self.options.max_sockets):
            logger.info("Live socket refused: user %s holds %s", user.pk, self.options.max_sockets)
            await self.end()
            return
        self.slot = self.user_pk
        if not await database_sync_to_async(can_view_board)(user):
            await self.end()
            return
        try:
            names = await self.prepare(user)
        except (Refused, QueueNotFound, JobNotFound):
            await self.end()
            return
        self.held = []
        wanted = [*names, groups.user_group(user.pk)]
        try:
            self.groups_joined = await self.hub.join(self, wanted)
        except Exception as exc:  # the channel layer does not answer
            self.groups_joined = [*wanted, groups.VIEWERS_GROUP]  # left again by ``end``
            logger.warning("Live updates unavailable (pages poll instead): %s", exc)
            await self.end()
            return
        try:
            snapshot = await self.snapshot()
        except (QueueNotFound, JobNotFound):
            await self.end()  # as for a hidden one: nothing tells them apart
            return
        except BackendError as exc:
            logger.info("Live snapshot skipped: %s", exc)
            snapshot = ""
        if self.closing:  # logged out meanwhile
            return
        self.verified_until = time.monotonic() + self.options.recheck
        await self.accept()
        self.live = service()
        self.live.joined()
        if snapshot:
            await self.push(snapshot)
        await self._release()
        if self.closing:
            return
        self._schedule_check()
        if self.hub is not None:
            self.watching = True
            for key in self.watched_keys():
                await self.hub.watch(key)

    def watched_keys(self) -> list[tuple[str, str, str | None]]:
        own = [self.watch] if self.watch is not None else []
        return [*own, *self.also_watched]

    async def disconnect(self, code: int) -> None:
        self.closing = True
        await self._leave()

    async def end(self, code: int | None = None) -> None:
        """Close (before accept: refuse) and stop forwarding; once."""
        if self.closing:
            return
        self.closing = True
        await self._leave()
        await self.close(code=code)

    async def _leave(self) -> None:
        """Leave the hub, give the socket's slot back, stop re-checking (idempotent)."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        live_hub, self.hub = self.hub, None
        if live_hub is not None:
            if self.watching:
                self.watching = False
                for key in self.watched_keys():
                    live_hub.unwatch(key)
            try:
                await live_hub.leave(self, self.groups_joined)
            except Exception as exc:  # the layer does not answer; its memberships expire
                logger.warning("Live updates: a socket's groups were not left: %s", exc)
        live, self.live = self.live, None
        if live is not None:
            live.left()
        slot, self.slot = self.slot, None
        if slot is not None:
            socket_counts().give_back(slot)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Never called: ``dispatch`` closes the socket on the first frame."""

    # -- what subclasses define --------------------------------------------------------------

    async def prepare(self, user: Any) -> list[str]:
        """Check access (raise ``Refused``/``QueueNotFound``) and return the groups to join."""
        raise NotImplementedError

    async def snapshot(self) -> str:
        """The current state of the page's live regions, as out-of-band fragments; raises
        ``QueueNotFound``/``JobNotFound`` when the page's queue or job does not exist."""
        return ""

    async def still_allowed(self, user: Any) -> int | None:
        """None if ``user`` (read again) may still see what this socket shows, else the code
        to close it with."""
        return None

    #: Consumers with the same key get the same text for a message (the hub builds it once).
    text_key: Hashable = None

    def text(self, message: dict[str, Any]) -> str | None:
        """The text of a message from the reader for this page type, the same for every
        consumer of the same ``text_key`` (its class unless set); None to have ``handle``
        called for this viewer instead."""
        kind = message.get("type")
        if kind == RESYNC_MESSAGE:
            return encode(resync=True)
        if kind == LOGOUT_MESSAGE:
            return None
        return ""

    async def handle(self, message: dict[str, Any]) -> None:
        """A message whose text depends on this viewer (``text`` returned None)."""
        if message.get("type") == LOGOUT_MESSAGE:
            ended = message.get("session")
            if ended is None or ended == session_digest(self.session_key):
                await self.end(SESSION_ENDED)

    # -- the sidebar -------------------------------------------------------------------------

    def follow_sidebar(self, sections: list[BackendSection]) -> list[str]:
        """The groups of the queues the page's sidebar lists (as ``build_sidebar`` bounds
        them), remembered for the snapshot and the re-checks."""
        self.sidebar_entries = [
            (group.backend, entry)
            for group in build_sidebar(sections).groups
            for entry in group.entries
        ]
        self.sidebar_shown = {}
        for backend, entry in self.sidebar_entries:
            self.sidebar_shown.setdefault(backend.alias, []).append(entry.name)
        return [groups.queue_group(b.alias, entry.name) for b, entry in self.sidebar_entries]

    def sidebar_snapshot(self) -> str:
        """The sidebar's counts as read when connecting (the page's may be older)."""
        return "".join(
            sidebar_count(backend.alias, entry.name, entry.failed, oob=True)
            for backend, entry in self.sidebar_entries
            if entry.failed is not None
        )

    async def sidebar_hidden(self, user: Any) -> bool:
        """Whether a queue the sidebar follows is hidden from ``user`` now."""

        def some_hidden_now() -> bool:
            return any(
                alias not in backends.settings
                or len(visible_queue_names(user, backends[alias], shown)) < len(shown)
                for alias, shown in self.sidebar_shown.items()
            )

        return bool(self.sidebar_shown) and await on_loop_if_no_io(user, some_hidden_now)

    def sidebar_text(self, message: dict[str, Any]) -> str:
        """The sidebar count a queue message carries ("" when its counts did not change)."""
        return str(localized(message, self.language).get("sidebar", ""))

    # -- checking the user again -------------------------------------------------------------

    def _schedule_check(self) -> None:
        if self.closing:
            return
        delay = max(self.verified_until - time.monotonic(), 0.0)
        self.timer = asyncio.get_running_loop().call_later(delay, self._start_check)

    def _start_check(self) -> None:
        self.timer = None
        if self.checking is None and not self.closing:
            self.checking = asyncio.create_task(self._check(), name="queueboard-live-recheck")

    async def _check(self) -> None:
        """Read the session's user again; close, or forward what was held meanwhile."""
        try:
            try:
                user, read_at = await session_users().get(self.session_key)
                verdict = await self._verdict(user)
            except Exception as exc:
                logger.warning("Live socket closed: its user could not be read again: %s", exc)
                verdict = CHECK_FAILED
            if verdict is not None:
                await self.end(verdict)
                return
            self.verified_until = read_at + self.options.recheck
            self._schedule_check()
            await self._release()
        finally:
            self.checking = None

    async def _verdict(self, user: Any) -> int | None:
        if not user.is_authenticated or user.pk != self.user_pk:
            return SESSION_ENDED
        if not await on_loop_if_no_io(user, lambda: can_view_board(user)):
            return ACCESS_REVOKED
        return await self.still_allowed(user)

    # -- sending -----------------------------------------------------------------------------

    async def push(self, content: str = "", **data: Any) -> None:
        text = encode(content, **data)
        if text:
            await self._write(text)

    async def forward(self, text: str) -> None:
        """Called by the hub: write ``text``, or hold it until the snapshot has gone or the
        user has been read again (when the last reading is ``RECHECK`` old)."""
        if self.closing:
            return
        if self.held is None and time.monotonic() >= self.verified_until:
            self.held = []
            self._start_check()
        if self.held is not None:
            self.held.append(text)
            if len(self.held) > MAX_HELD:
                await self.end(OVERLOADED)
            return
        try:
            await self._write(text)
        except Exception:
            logger.debug("Live update not written to a closing connection", exc_info=True)

    async def _release(self) -> None:
        """Write the texts held, in order (and those arriving meanwhile), then stop holding."""
        try:
            while self.held and not self.closing:
                await self._write(self.held.pop(0))
        except Exception:
            logger.debug("Live update not written to a closing connection", exc_info=True)
        self.held = None

    async def _write(self, text: str) -> None:
        limit = MAX_TEXT_BYTES if self.socket is None else self.socket.limit(MAX_TEXT_BYTES)
        if oversized(text, limit):
            _log_oversized(text, limit)
            text = OVERSIZED
        if self.socket is None or not self.socket.write(text):
            await self.frame_send({"type": "websocket.send", "text": text})


def page_options(scope: dict[str, Any]) -> OverviewOptions:
    """The overview options of the page that opened the socket (defaults if they are bad: the
    page itself answered them with a 400)."""
    query = QueryDict(scope.get("query_string", b"").decode("latin-1"))
    try:
        return OverviewOptions.from_query(query)
    except BadRequest:
        return OverviewOptions()


class OverviewConsumer(LiveConsumer):
    async def prepare(self, user: Any) -> list[str]:
        self.user = user
        self.sections = await overview_sections(user)
        # The rows of the viewer's page (its query is the socket's: ``?page=``, ``?q=``, ...),
        # not every queue: at 10,000 queues the page shows 100 per backend.
        arranged = arrange(self.sections, page_options(self.scope))
        self.rows = [(a.backend, queue) for a in arranged for queue in a.queues]
        #: alias -> the names of the rows shown, by name.
        self.shown = {a.backend.alias: sorted(q.name for q in a.queues) for a in arranged}
        followed = [groups.queue_group(backend.alias, queue.name) for backend, queue in self.rows]
        followed += self.follow_sidebar(self.sections)
        return [*dict.fromkeys(followed), groups.OVERVIEW_GROUP]

    async def snapshot(self) -> str:
        rows = "".join(render.queue_row(backend, queue) for backend, queue in self.rows)
        return rows + self.sidebar_snapshot()

    def text(self, message: dict[str, Any]) -> str | None:
        kind = message.get("type")
        if kind == QUEUE_MESSAGE:
            return encode(
                localized(message, self.language).get("row", "") + self.sidebar_text(message)
            )
        if kind == ADDED_MESSAGE:
            return None  # whether the user may see the queue: per viewer (``handle``)
        return super().text(message)

    async def still_allowed(self, user: Any) -> int | None:
        """The queues shown must all still be visible (else reconnect for the right ones)."""

        def some_hidden_now() -> bool:
            return any(
                alias not in backends.settings
                or len(visible_queue_names(user, backends[alias], shown)) < len(shown)
                for alias, shown in self.shown.items()
            )

        self.user = user
        return RECONNECT if await on_loop_if_no_io(user, some_hidden_now) else None

    async def handle(self, message: dict[str, Any]) -> None:
        """A new queue: if this user may see it, follow it and insert its row in name order."""
        if message.get("type") != ADDED_MESSAGE:
            await super().handle(message)
            return
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
            "row": str(localized(message, self.language).get("row", "")),
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
        own = groups.queue_group(alias, queue)
        self.own_groups = frozenset([own])
        return [own, *self.follow_sidebar(await overview_sections(user))]

    async def snapshot(self) -> str:
        tabs = render.tab_counts(self.backend, await self.backend.get_queue(self.queue))
        return tabs + self.sidebar_snapshot()

    async def still_allowed(self, user: Any) -> int | None:
        try:
            await visible_backend(user, self.backend.alias, self.queue)
        except QueueNotFound:
            return ACCESS_REVOKED
        return RECONNECT if await self.sidebar_hidden(user) else None

    def text(self, message: dict[str, Any]) -> str | None:
        if message.get("type") == QUEUE_MESSAGE:
            if message.get("group") not in self.own_groups:
                return encode(self.sidebar_text(message))
            parts = localized(message, self.language)
            content = parts.get("tabs", "") + parts.get("progress", "") + parts.get("sidebar", "")
            data = {key: parts[key] for key in ("moved", "entered", "rows") if key in parts}
            return encode(content, **data)
        return super().text(message)


class JobConsumer(LiveConsumer):
    backend: QueueBackend

    async def prepare(self, user: Any) -> list[str]:
        kwargs = self.scope["url_route"]["kwargs"]
        alias, queue, job_id = str(kwargs["alias"]), str(kwargs["queue"]), str(kwargs["job_id"])
        self.backend = await visible_backend(user, alias, queue)
        self.user = user
        self.queue, self.job_id = queue, job_id
        self.watch = (alias, queue, job_id)
        self.allowed = frozenset(
            await database_sync_to_async(allowed_actions)(user, self.backend, queue)
        )
        self.unredacted = await database_sync_to_async(sees_unredacted)(user)
        # The actions differ by what the user may do: one text per message and set of actions
        # (and whether the user sees job values unmasked).
        self.text_key = (JobConsumer, self.allowed, self.unredacted)
        own = groups.job_group(alias, queue, job_id)
        self.own_groups = frozenset([own])
        return [own, *self.follow_sidebar(await overview_sections(user))]

    async def snapshot(self) -> str:
        job = await self.backend.get_job(self.queue, self.job_id)
        if self.backend.supports_flows and (job.parent or job.children):
            try:
                await self._follow_flow()
            except BackendError as exc:  # the page still follows its own job
                logger.info("Live flow not followed: %s", exc)
        page = render.job_page(self.backend, job, unmasked=self.unredacted)
        page += self.actions(job.state)
        return page + self.sidebar_snapshot()

    async def _follow_flow(self) -> None:
        """Join the groups of the flow's queues this user may see: their jobs moving makes
        the page refresh its tree (``flow`` in queue messages)."""
        tree = await self.backend.get_flow(self.queue, self.job_id)
        if tree is None or self.hub is None:
            return
        names = sorted(tree.root.queues())[:MAX_FLOW_QUEUES]
        backend, user = self.backend, self.user
        shown = await on_loop_if_no_io(user, lambda: visible_queue_names(user, backend, names))
        # Watched as queues (their moves reach the tree) and as a flow's (read from the moment
        # the page was read, not from when the reader takes them up).
        self.also_watched = tuple(
            (backend.alias, name, job) for name in sorted(shown) for job in (None, FLOW)
        )
        wanted = [groups.queue_group(backend.alias, name) for name in sorted(shown)]
        wanted = [group for group in wanted if group not in self.groups_joined]
        if wanted:
            await self.hub.join(self, wanted)
            self.groups_joined.extend(wanted)

    async def still_allowed(self, user: Any) -> int | None:
        """The queue must still be visible; changed actions reconnect (for the new buttons)."""
        try:
            await visible_backend(user, self.backend.alias, self.queue)
        except QueueNotFound:
            return ACCESS_REVOKED
        allowed = await database_sync_to_async(allowed_actions)(user, self.backend, self.queue)
        if frozenset(allowed) != self.allowed or await self.sidebar_hidden(user):
            return RECONNECT
        return None

    def text(self, message: dict[str, Any]) -> str | None:
        if message.get("type") == QUEUE_MESSAGE:
            flow = {"flow": message["flow"]} if message.get("flow") else {}
            return encode(self.sidebar_text(message), **flow)
        if message.get("type") == JOB_MESSAGE:
            fields = localized(message, self.language)
            html = fields.get("html", "")
            if self.unredacted:
                html = fields.get("html_unredacted", html)
            if "state" in message:
                # Not progress alone: live.js fetches the page's other fields again.
                html += self.actions(JobState(message["state"]))
                return encode(html, job=True)
            return encode(html)
        return super().text(message)

    def actions(self, state: JobState) -> str:
        job = SimpleNamespace(
            backend=self.backend.alias, queue=self.queue, id=self.job_id, state=state
        )
        return render.job_actions(self.backend, job, self.allowed)
