"""The demo's schedulers: cron in time zones, an interval, one with a limit, a legacy one."""

from __future__ import annotations

import asyncio
from typing import Any

from queues.backends.schedule_types import ScheduleState
from tests.fixtures_bullmq import run


def test_demo_schedules(bullmq_backend: Any, redis_url: str) -> None:
    from board.demo import seed_schedules

    assert asyncio.run(seed_schedules.seed(redis_url)) == 5
    emails = {
        s.id: s
        for s in run(bullmq_backend, bullmq_backend.list_schedules("emails", 0, 9)).schedules
    }
    assert emails["weekday-digest"].tz == "America/New_York"
    assert emails["weekday-digest"].state == ScheduleState.SCHEDULED
    assert emails["send-email::::3600000"].legacy
    images = run(bullmq_backend, bullmq_backend.list_schedules("images", 0, 9)).schedules
    assert images[0].id == "thumbnail-warmup" and images[0].limit == 3
    reports = run(bullmq_backend, bullmq_backend.list_schedules("reports", 0, 9)).schedules
    assert reports[0].description.startswith("At 09:00, on day 1 of the month")
