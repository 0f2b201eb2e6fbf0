"""The overview flags a queue with an overdue schedule (its next run past the grace period and
its armed job still waiting), read in the counts script's single pass: no round trip more,
whatever the number of queues. A finished schedule (a past time, nothing armed), a queue that
is paused and a schedule due within the grace period are not flagged."""

from __future__ import annotations

import time
from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse

from queues.live import groups
from tests import bullmq_producers as producers
from tests.fixtures_bullmq import run
from tests.test_bullmq_counts import round_trips  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)

HOUR = 3_600_000


def schedule(r: redis.Redis, queue: str, sid: str, late_ms: int, armed: str = "delayed") -> None:
    base = f"bull:{queue}:"
    now = int(time.time() * 1000)
    score = now - late_ms
    producers.write_queue_keys(r, queue)
    r.zadd(base + "repeat", {sid: score})
    r.hset(base + f"repeat:{sid}", mapping={"name": sid, "pattern": "0 * * * *", "ic": 2})
    job_id = f"repeat:{sid}:{score}"
    if armed == "delayed":
        r.zadd(base + "delayed", {job_id: score * 0x1000})
    elif armed == "completed":
        r.zadd(base + "completed", {job_id: score})
    if armed != "none":
        r.hset(base + job_id, mapping={"name": sid, "data": "{}", "opts": "{}",
                                       "timestamp": now, "rjk": sid})  # fmt: skip


@pytest.fixture
def seeded(bullmq_backend: Any, redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url)
    try:
        for n in range(20):  # finished schedules first: the oldest members are looked past
            schedule(r, "late", f"done-{n}", 3 * HOUR + n, armed="completed")
        schedule(r, "late", "sync:<b>", HOUR)
        schedule(r, "finished", "gone", HOUR, armed="none")
        schedule(r, "finished", "ran", HOUR, armed="completed")
        schedule(r, "due", "now", 10_000)
        schedule(r, "stopped", "late", HOUR)
        r.hset("bull:stopped:meta", "paused", 1)
        schedule(r, "fine", "later", -HOUR)
    finally:
        r.close()


def test_the_queue_summaries_flag_overdue_schedules(bullmq_backend: Any, seeded: None) -> None:
    summaries = {q.name: q for q in run(bullmq_backend, bullmq_backend.list_queues())}
    flagged = {name for name, q in summaries.items() if q.schedules_overdue}
    assert flagged == {"late"}, flagged
    assert run(bullmq_backend, bullmq_backend.get_queue("late")).schedules_overdue


def test_the_overview_row_has_the_badge(staff_client: Client, seeded: None) -> None:
    page = staff_client.get(reverse("queues:overview")).content.decode()
    link = reverse("queues:queue-schedules", args=["bullmq", "late"])
    row_start = page.index(f'id="{groups.queue_row_id("bullmq", "late")}"')
    row = page[row_start : page.index("</tr>", row_start)]
    assert f'<a class="qb-badge qb-badge-problem" href="{link}"' in row
    assert "Schedule overdue" in row
    assert page.count("Schedule overdue") == 1


def test_no_round_trip_more(
    bullmq_backend: Any,
    seeded: None,
    round_trips: list[int],  # noqa: F811
) -> None:
    async def measure() -> int:
        await bullmq_backend.list_queues()
        before = round_trips[0]
        await bullmq_backend.list_queues()
        return round_trips[0] - before

    assert run(bullmq_backend, measure()) == 1
