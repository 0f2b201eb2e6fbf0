"""Live follows any backend's change feed, not BullMQ's alone: backend-neutral events about
real Django Tasks jobs (from a feed written here, since that backend has none) become one
message per queue and batch, the watched job's page and the new queue's overview row, sent
through a real in-memory channel layer; a second feed (a reconnection) tells viewers to
resync."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from queues.backends.changes import (
    ChangeEvent,
    CountsMoved,
    JobLogged,
    JobMoved,
    JobProgressed,
    QueueAppeared,
)
from queues.live import groups
from queues.live.feed_follower import FeedFollower
from queues.live.layers import InMemoryChannelLayer
from queues.live.options import LiveOptions
from queues.live.publisher import (
    ADDED_MESSAGE,
    JOB_MESSAGE,
    QUEUE_MESSAGE,
    RESYNC_MESSAGE,
    Publisher,
)
from queues.live.watches import Watches
from queues.states import JobState
from tests import sample_tasks

pytestmark = pytest.mark.django_db(transaction=True)
QUEUE, LATER = "feed-tasks", "feed-tasks-later"


async def feed_of(batches: list[Sequence[ChangeEvent]]) -> AsyncIterator[Sequence[ChangeEvent]]:
    for batch in batches:
        yield batch


def test_a_feed_of_another_backend_is_rendered_and_published(tasks_backend: Any) -> None:
    job_id = str(sample_tasks.add.using(queue_name=QUEUE).enqueue(1, 2).id)
    later_id = str(sample_tasks.add.using(queue_name=LATER).enqueue(3, 4).id)

    async def scenario() -> list[dict[str, Any]]:
        layer = InMemoryChannelLayer()
        channel = await layer.new_channel()
        for group in (
            groups.queue_group("tasks", QUEUE),
            groups.job_group("tasks", QUEUE, job_id),
            groups.OVERVIEW_GROUP,
            groups.VIEWERS_GROUP,
        ):
            await layer.group_add(group, channel)
        watches = Watches(60)
        watches.touch("tasks", QUEUE)
        watches.touch("tasks", QUEUE, job_id)
        summary = await tasks_backend.get_queue(QUEUE)
        later = await tasks_backend.get_queue(LATER)
        assert later_id
        first = feed_of(
            [
                [CountsMoved(summary)],
                [
                    JobMoved(QUEUE, job_id, (JobState.WAITING,)),
                    JobProgressed(QUEUE, job_id, '{"done": 1}'),
                    CountsMoved(summary),  # unchanged: no row sent again
                ],
                [JobLogged(QUEUE, job_id), QueueAppeared(later)],
            ]
        )
        follower = FeedFollower(tasks_backend, Publisher(layer), watches, LiveOptions(), feed=first)
        await follower._session()
        follower._feed = feed_of([[CountsMoved(summary)]])  # the feed opened again
        await follower._session()
        received = []
        while True:
            try:
                received.append(await asyncio.wait_for(layer.receive(channel), 1))
            except TimeoutError:
                return received

    messages = asyncio.run(scenario())
    kinds = [message["type"] for message in messages]
    assert kinds == [
        QUEUE_MESSAGE,  # the snapshot's counts
        QUEUE_MESSAGE,  # the job that moved, its progress, its row
        JOB_MESSAGE,  # the watched job's page, once (it moved and progressed)
        JOB_MESSAGE,  # its log lines
        ADDED_MESSAGE,  # the queue that appeared
        QUEUE_MESSAGE,  # the second feed's snapshot: counts sent again (forgotten)
        RESYNC_MESSAGE,  # and viewers told they may have missed changes
    ]
    snapshot, moved = messages[0], messages[1]
    assert "row" in snapshot and "tabs" in snapshot
    assert "row" not in moved
    assert moved["moved"] == [[job_id, ["waiting"]]]
    assert moved["entered"] == {"waiting": 1}
    assert job_id in moved["rows"]["waiting"]
    assert "progress" in moved
    assert messages[2]["state"] == "waiting"
    assert messages[4]["queue"] == LATER
