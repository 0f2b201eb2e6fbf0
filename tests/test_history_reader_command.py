"""``manage.py queueboard_reader``: with a shared channel layer it leads the live reading
without any viewer, so a real worker's tasks are counted; with the in-memory layer it refuses
(each board process reads itself, and a second reader would count twice)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import redis
from django.core.management import call_command
from django.core.management.base import CommandError

from queues.history import store
from queues.history.buckets import Resolution
from queues.live.leader import LOCK_KEY
from tests import sample_tasks
from tests.test_history_tasks import QUEUE, enqueue, run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_refused_with_the_in_memory_layer(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    with pytest.raises(CommandError, match="channels_redis"):
        call_command("queueboard_reader", seconds=0.1)


def test_counts_with_no_viewer(settings: Any, tasks_settings: Any, redis_url: str) -> None:
    from tests.live_helpers import FAST

    settings.QUEUEBOARD_LIVE = FAST
    settings.QUEUEBOARD = {"HISTORY_FLUSH_SECONDS": 0.2}
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": redis_url, "socket_timeout": 10}]},
        }
    }
    sample_tasks.add.using(queue_name=QUEUE).enqueue(0, 0)
    failures: list[BaseException] = []

    def command() -> None:
        try:
            call_command("queueboard_reader", seconds=10)
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=command)
    thread.start()
    client = redis.Redis.from_url(redis_url)
    try:
        deadline = time.monotonic() + 10
        while client.get(LOCK_KEY) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get(LOCK_KEY) is not None, failures  # it leads
        time.sleep(1.5)  # its poller has read the counts once
        enqueue(4, 1)
        run_worker()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            rows = store.read("tasks", QUEUE, Resolution.DAY, 0)
            if (sum(r.completed for r in rows), sum(r.failed for r in rows)) == (5, 1):
                break
            time.sleep(0.1)
        else:
            raise AssertionError([(r.completed, r.failed) for r in rows])
    finally:
        thread.join(30)
        client.close()
    assert not failures
