"""The process hub: one channel-layer message per process and group, one text per message and
page type, written to every local viewer allowed to see the group."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from queues.live import groups, hub
from queues.live.options import LiveOptions
from queues.live.publisher import QUEUE_MESSAGE, RESYNC_MESSAGE
from tests.live_helpers import (
    communicator,
    content,
    receive_until,
    session_cookie,
    stop_live,
    use_live,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live(settings: Any, tasks_settings: dict[str, Any]) -> None:
    use_live(settings)


def test_viewers_of_a_queue_share_one_channel_and_get_the_same_text(
    live: Any, staff_user: Any
) -> None:
    from channels.layers import get_channel_layer

    cookie = session_cookie(staff_user)
    group = groups.queue_group("tasks", "shared")

    async def scenario() -> None:
        from tests import sample_tasks

        await asyncio.to_thread(lambda: sample_tasks.add.using(queue_name="shared").enqueue(1, 1))
        comms = [communicator("/ws/queue/tasks/shared/", cookie) for _ in range(3)]
        layer = get_channel_layer()
        try:
            for comm in comms:
                assert (await comm.connect(timeout=5))[0]
                await comm.receive_from(timeout=5)  # the snapshot
            local = hub.current()
            assert local is not None and local.channel is not None
            assert set(layer.groups[group]) == {local.channel}
            await layer.group_send(
                group, {"type": QUEUE_MESSAGE, "group": group, "progress": '<td id="x"></td>'}
            )
            for comm in comms:  # the reader may send this queue's counts meanwhile
                got = await receive_until(comm, lambda m: 'id="x"' in content(m))
                assert got == {"content": '<td id="x"></td>'}
            await comms[0].disconnect()
            await comms[1].disconnect()
            assert set(layer.groups[group]) == {local.channel}
            await comms[2].disconnect()
            assert group not in layer.groups or not layer.groups[group]
        finally:
            for comm in comms:
                await comm.disconnect()
            await stop_live()

    asyncio.run(scenario())


class Page:
    built = 0

    def __init__(self) -> None:
        self.got: list[str] = []

    def text(self, message: dict[str, Any]) -> str:
        type(self).built += 1
        return f"{type(self).__name__}:{message.get('n')}"

    async def forward(self, text: str) -> None:
        self.got.append(text)


class Overview(Page):
    built = 0


class Queue(Page):
    built = 0


def test_one_text_per_message_and_page_type_and_only_to_the_group() -> None:
    class Layer:
        async def new_channel(self) -> str:
            return "hub!1"

        async def group_add(self, group: str, channel: str) -> None:
            pass

        async def group_discard(self, group: str, channel: str) -> None:
            pass

        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            pass

        async def receive(self, channel: str) -> dict[str, Any]:
            await asyncio.Event().wait()
            return {}

    async def scenario() -> None:
        local = hub.Hub(Layer(), LiveOptions())
        overviews = [Overview() for _ in range(3)]
        queues = [Queue() for _ in range(2)]
        elsewhere = Queue()
        for member in [*overviews, *queues]:
            await local.join(member, ["qb.q.a"])
        await local.join(elsewhere, ["qb.q.b"])
        await local.dispatch({"type": QUEUE_MESSAGE, "group": "qb.q.a", "n": 1})
        assert (Overview.built, Queue.built) == (1, 1)
        assert all(page.got == ["Overview:1"] for page in overviews)
        assert all(page.got == ["Queue:1"] for page in queues)
        assert elsewhere.got == []
        await local.dispatch({"type": RESYNC_MESSAGE, "group": groups.VIEWERS_GROUP, "n": 2})
        assert elsewhere.got == ["Queue:2"]
        await local.stop()

    asyncio.run(scenario())
