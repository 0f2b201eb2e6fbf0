"""Schedules for the browser tests and screenshots: a cron schedule in a time zone, an
interval, a finished one with a limit, an overdue one, a legacy repeatable job, one without its
hash, and one whose id and name hold markup, ``/`` and non-ASCII letters."""

from __future__ import annotations

import time

import redis

from tests.browser import showcase

QUEUE = showcase.QUEUE
ODD_ID = "tenant:7/weekly <b>digest</b> é"
DAILY_ID = "report:daily"
HOUR = 3_600_000


def seed_schedules(url: str) -> None:
    r = redis.Redis.from_url(url, decode_responses=True)
    base = f"bull:{QUEUE}:"
    now = int(time.time() * 1000)
    rows = [
        (DAILY_ID, now + 5 * HOUR, {"name": "daily-report", "pattern": "0 9 * * 1-5",
                                    "tz": "America/New_York", "ic": 12,
                                    "data": '{"to": "ops@example.com"}'}, True),
        ("cleanup", now + 240_000, {"name": "cleanup", "every": 300_000, "ic": 300,
                                    "limit": 1000}, True),
        ("welcome-series", now - 2 * HOUR, {"name": "welcome", "every": 60_000, "ic": 3,
                                            "limit": 3}, False),
        ("late-sync", now - HOUR, {"name": "sync", "pattern": "0 * * * *", "ic": 40}, True),
        (ODD_ID, now + 30 * HOUR, {"name": "<i>digest</i>", "pattern": "30 8 * * 1",
                                   "tz": "Europe/Paris", "ic": 1,
                                   "data": '{"html": "<script>alert(1)</script>"}'}, True),
        ("get-token::::10000", now + 10_000, {}, False),
        ("orphan", now + HOUR, {}, False),
    ]  # fmt: skip
    try:
        pipe = r.pipeline(transaction=False)
        pipe.hset(base + "meta", "opts.maxLenEvents", 10000)  # a queue of its own if need be
        for sid, score, fields, armed in rows:
            pipe.zadd(base + "repeat", {sid: score})
            if fields:
                pipe.hset(base + f"repeat:{sid}", mapping=fields)
            if armed:
                job_id = f"repeat:{sid}:{score}"
                pipe.zadd(base + "delayed", {job_id: score * 0x1000})
                pipe.hset(base + job_id, mapping={"name": fields.get("name", sid), "data": "{}",
                                                  "opts": "{}", "timestamp": now, "delay": 1000,
                                                  "rjk": sid})  # fmt: skip
        for n in range(3):  # finished runs of the daily report
            job_id = f"repeat:{DAILY_ID}:{now - (n + 1) * 24 * HOUR}"
            finished = now - (n + 1) * 24 * HOUR + 2000
            state = "failed" if n == 1 else "completed"
            pipe.zadd(base + state, {job_id: finished})
            fields = {"name": "daily-report", "data": "{}", "opts": "{}", "rjk": DAILY_ID,
                      "timestamp": finished - 5000, "processedOn": finished - 1500,
                      "finishedOn": finished, "atm": 1}  # fmt: skip
            if state == "failed":
                fields["failedReason"] = "SMTP timeout"
            pipe.hset(base + job_id, mapping=fields)
        pipe.execute()
    finally:
        r.close()
