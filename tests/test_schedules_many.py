"""20,000 job schedulers in one queue (written by pipeline as BullMQ 6.x lays them out): every
schedule view answers 200 with one page, never a 500 or the whole set."""

from __future__ import annotations

import time
from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)

Q = "many"
COUNT = 20_000


@pytest.fixture
def many(bullmq_backend: Any, redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url)
    base = f"bull:{Q}:"
    now = int(time.time() * 1000)
    try:
        pipe = r.pipeline(transaction=False)
        pipe.hset(base + "meta", "opts.maxLenEvents", 10000)
        for n in range(COUNT):
            sid, millis = f"t{n:05d}:daily", now + 3_600_000 + n * 1000
            pipe.zadd(base + "repeat", {sid: millis})
            fields = {"name": "r", "pattern": "0 9 * * 1-5", "tz": "America/New_York", "ic": 3}
            pipe.hset(base + f"repeat:{sid}", mapping=fields)
            pipe.zadd(base + "delayed", {f"repeat:{sid}:{millis}": millis * 0x1000})
            if n % 5000 == 4999:
                pipe.execute()
        pipe.execute()
    finally:
        r.close()


def test_every_view_answers_with_one_page(staff_client: Client, many: None) -> None:
    board = staff_client.get(reverse("queues:schedules"))
    assert board.status_code == 200
    assert board.content.decode().count('class="qb-schedule-id"') == 100
    panel = staff_client.get(reverse("queues:queue-schedules", args=["bullmq", Q]) + "?start=19990")
    assert panel.status_code == 200
    assert panel.content.decode().count('class="qb-schedule-id"') == 10
    one = staff_client.get(reverse("queues:schedule", args=["bullmq", Q, "t19999:daily"]))
    assert one.status_code == 200
    api = staff_client.get(reverse("queues:api-queue-schedules", args=["bullmq", Q]) + "?count=500")
    assert api.status_code == 200
    body = api.json()
    assert len(body["schedules"]) == 500 and body["schedules"][0]["id"] == "t00000:daily"
    every = staff_client.get(reverse("queues:api-schedules"))
    assert every.status_code == 200
    overview = staff_client.get(reverse("queues:overview"))
    assert overview.status_code == 200 and "Schedule overdue" not in overview.content.decode()
