"""``GET /metrics`` (Prometheus) for 10/100/1000 BullMQ queues: time, round trips, Redis work.

Each queue is laid out as BullMQ 6.7 writes it (``common.seed_queues``: 20 jobs in each of
wait, active, prioritized, delayed, completed and failed) plus the ``metrics:completed`` and
``metrics:failed`` hashes a worker with the ``metrics`` option keeps. The endpoint is requested
through Django's ``AsyncClient`` in this process with the standalone board's settings, its
token set through ``QUEUEBOARD_METRICS_TOKEN``, and a counts cache of 0 s (every scrape reads
Redis: the worst case; with the board's default of 1 s, scrapes within a second share one
read). Round trips are counted as in ``overview_round_trips.py``; Redis commands and the
server's own time from ``INFO commandstats``.

    python bench/metrics_endpoint.py [--sizes 10,100,1000] [--requests 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from typing import Any

import common
import redis
from overview_round_trips import Counter

PER_STATE = 20
TOKEN = "bench-metrics-token"
#: Round trips of a warm scrape: the counts script and the totals pipeline.
TARGET_TRIPS = 2


def seed_totals(url: str, names: list[str]) -> None:
    client = redis.Redis.from_url(url)
    with client.pipeline(transaction=False) as pipe:
        for n, name in enumerate(names):
            pipe.hset(f"bull:{name}:metrics:completed", mapping={"count": 1000 + n})
            pipe.hset(f"bull:{name}:metrics:failed", mapping={"count": n})
        pipe.execute()
    client.close()


async def run_size(
    size: int, client: Any, counter: Counter, stats: redis.Redis, requests: int
) -> list[Any]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    response = await client.get("/metrics", headers=headers)  # warm: connection, discovery
    assert response.status_code == 200, response.content[:300]
    before, usec = common.commandstats(stats), common.server_usec(stats)
    counter.reset()
    response = await client.get("/metrics", headers=headers)
    trips = counter.trips
    delta = common.stats_delta(before, common.commandstats(stats))
    server_ms = (common.server_usec(stats) - usec) / 1000
    body = response.content
    found = body.count(b'bullmq_job_count{backend="bullmq",queue="queue-')
    assert found == size * 8, (found, body[:600])
    assert body.count(b"bullmq_job_completed_total{") == size
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = await client.get("/metrics", headers=headers)
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200
    return [
        size,
        f"{statistics.median(times) * 1000:.1f}",
        f"{common.p95_ms(times):.1f}",
        trips,
        sum(delta.values()),
        common.describe_delta(delta),
        f"{server_ms:.1f}",
        f"{len(body) / 1024:.0f} KiB",
        "yes" if trips <= TARGET_TRIPS else "**no**",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000", help="numbers of queues")
    parser.add_argument("--requests", type=int, default=20, help="timed scrapes per size")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]

    with common.Stack() as stack:
        server = common.start_redis(stack)
        os.environ.update(common.temp_board_env(stack, server.url))
        os.environ["ALLOWED_HOSTS"] = "testserver"
        os.environ["QUEUEBOARD_COUNTS_CACHE_SECONDS"] = "0"
        os.environ["QUEUEBOARD_METRICS_TOKEN"] = TOKEN

        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test import AsyncClient

        # The scrapes of one address would hit the per-address limit (60 a minute).
        settings.QUEUEBOARD = {**settings.QUEUEBOARD, "METRICS_RATE_LIMIT": 100_000}
        call_command("migrate", verbosity=0)
        counter = Counter()
        stats = redis.Redis.from_url(server.url)
        stack.callback(stats.close)
        rows = []
        for size in sizes:
            stats.flushall()
            names = [f"queue-{n:04d}" for n in range(size)]
            with common.step(f"seeding {size} queues"):
                common.seed_queues(server.url, names, PER_STATE)
                seed_totals(server.url, names)
            from queues.backends import backends

            backends["bullmq"].discovery.forget()
            with common.step(f"measuring {size} queues"):
                rows.append(
                    asyncio.run(run_size(size, AsyncClient(), counter, stats, args.requests))
                )

        met = all(row[3] <= TARGET_TRIPS for row in rows)
        sections = [
            "## What was measured",
            "",
            f"BullMQ queues as BullMQ 6.7 writes them ({PER_STATE} jobs in each of six states) "
            "with the `metrics:completed`/`metrics:failed` hashes of a worker keeping metrics. "
            f"`GET /metrics` with its bearer token through Django's `AsyncClient`, counts cache "
            f"off (every scrape reads Redis), after one warming scrape; {args.requests} timed "
            "scrapes per size. Round trips, commands and server time are of one warm scrape.",
            "",
            "## Results",
            "",
            *common.table(
                [
                    "queues",
                    "median ms",
                    "p95 ms",
                    "round trips",
                    "Redis commands",
                    "commands by name",
                    "Redis time ms",
                    "answer",
                    f"≤ {TARGET_TRIPS} trips",
                ],
                rows,
            ),
            "",
            "## Target",
            "",
            f"At most {TARGET_TRIPS} round trips per scrape whatever the number of queues "
            "(the overview's counts script, one pipeline of two HGETs per queue for the totals): "
            + ("**met**" if met else "**not met**")
            + ". Redis commands grow with the queues (the script's per-queue LLEN/ZCARD run "
            "inside one EVALSHA, counted by the server per command), round trips do not.",
        ]
        path = common.write_result("metrics_endpoint", "/metrics endpoint", sections, server.url)
        print(f"wrote {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
