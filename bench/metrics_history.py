"""The metrics history's cost: the live reader's extra Redis load, and the chart page's time.

1. **Reader load.** BullMQ-shaped queues finish jobs at a steady rate: a producer thread
   writes, for each job, what a worker leaves (the job hash with ``timestamp``,
   ``processedOn`` and ``finishedOn``, the ``completed`` zset entry, the ``completed`` event
   on the queue's stream). The elected reader (``queues.live.reader.Reader``, in-memory
   channel layer, default ``LIVE`` timings) follows them for the same time twice: with the
   history off, then on (default ``HISTORY_FLUSH_SECONDS`` and ``HISTORY_TIMINGS_PER_FLUSH``).
   The reader's commands are the server's ``INFO commandstats`` less the producer's own
   (``HSET``, ``ZADD``, ``XADD``, counted as sent); round trips are those of redis.asyncio in
   this process (the producer's sync client is not counted).
2. **Chart page.** One queue with full rollups (a day of minutes, 90 days of hours, 90 days
   of days: every row the charts can read) and two weeks of a worker's own per-minute
   counts (``metrics:completed:data``, 20,160 entries, merged into the charts): the panel
   (``queue/<alias>/<queue>/history/`` as htmx asks for it) and the JSON API per range;
   then the overview of 100 queues with an hour of minutes each (their sparklines read in
   one query), history on and off.

    python bench/metrics_history.py [--queues 10] [--rate 200] [--seconds 45] [--requests 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import threading
import time
from typing import Any

import common
import redis
from overview_round_trips import Counter

PRODUCER_COMMANDS = ("hset", "zadd", "xadd")


def produce(url: str, names: list[str], rate: int, stop: threading.Event, sent: dict[str, int]):
    """Finish ``rate`` jobs a second across ``names`` until ``stop`` (batches every 50 ms)."""
    client = redis.Redis.from_url(url)
    job_id = 1_000_000
    tick = 0.05
    try:
        next_at = time.monotonic()
        while not stop.is_set():
            pipe = client.pipeline(transaction=False)
            now_ms = int(time.time() * 1000)
            for _ in range(max(int(rate * tick), 1)):
                job_id += 1
                name = names[job_id % len(names)]
                base = f"{common.PREFIX}:{name}:"
                pipe.hset(
                    base + str(job_id),
                    mapping={
                        "name": "send-email",
                        "data": "{}",
                        "opts": "{}",
                        "timestamp": str(now_ms - 120),
                        "delay": "0",
                        "processedOn": str(now_ms - 40),
                        "finishedOn": str(now_ms),
                        "returnvalue": "null",
                        "atm": "1",
                    },
                )
                pipe.zadd(base + "completed", {str(job_id): now_ms})
                pipe.xadd(
                    base + "events",
                    {"event": "completed", "jobId": str(job_id), "returnvalue": "null"},
                    maxlen=10_000,
                    approximate=True,
                )
                for command in PRODUCER_COMMANDS:
                    sent[command] = sent.get(command, 0) + 1
            pipe.execute()
            next_at += tick
            time.sleep(max(next_at - time.monotonic(), 0))
    finally:
        client.close()


async def follow(seconds: float, counter: Counter) -> dict[str, Any]:
    from channels.layers import InMemoryChannelLayer

    from queues.history.recorder import recorder
    from queues.live.options import live_options
    from queues.live.reader import Reader

    reader = Reader(InMemoryChannelLayer(), live_options())
    task = asyncio.create_task(reader.run())
    await asyncio.sleep(3)  # listed, followed, first counts sent
    mine = recorder()
    before = (mine.writes, mine.time_reads, mine.busy_seconds, mine.rows_written)
    counter.reset()
    started = time.monotonic()
    await asyncio.sleep(seconds)
    await mine.flush()  # what the window saw is written (and measured) now
    elapsed = time.monotonic() - started
    trips = counter.trips
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return {
        "elapsed": elapsed,
        "trips": trips,
        "writes": mine.writes - before[0],
        "time_reads": mine.time_reads - before[1],
        "busy": mine.busy_seconds - before[2],
        "rows": mine.rows_written - before[3],
    }


def set_history(on: bool) -> None:
    from django.conf import settings

    from queues.conf import get_config

    settings.QUEUEBOARD = {**settings.QUEUEBOARD, "HISTORY": on}
    get_config.cache_clear()  # as a setting_changed signal would


def reader_run(
    url: str, names: list[str], rate: int, seconds: float, history: bool, counter: Counter
) -> dict[str, Any]:
    from queues.history.models import MetricRollup

    set_history(history)
    MetricRollup.objects.all().delete()
    stats = redis.Redis.from_url(url)
    stop, sent = threading.Event(), {}
    producer = threading.Thread(target=produce, args=(url, names, rate, stop, sent))
    producer.start()
    try:
        time.sleep(1)
        before, usec = common.commandstats(stats), common.server_usec(stats)
        sent_before = dict(sent)
        result = asyncio.run(follow(seconds, counter))
        delta = common.stats_delta(before, common.commandstats(stats))
        server_ms = (common.server_usec(stats) - usec) / 1000
        produced = {k: sent.get(k, 0) - sent_before.get(k, 0) for k in PRODUCER_COMMANDS}
    finally:
        stop.set()
        producer.join()
        stats.close()
    # The producer's commands are the same in both runs; what is left is the reader's.
    reader = {k: v for k, v in delta.items() if k not in PRODUCER_COMMANDS}
    finished = sum(row.completed for row in MetricRollup.objects.filter(resolution="d"))
    result.update(
        reader=reader,
        produced=produced["xadd"],
        counted=finished,
        server_ms=server_ms,
        delta=delta,
    )
    return result


def seed_rollups(names: list[str], now: float, full: bool) -> None:
    """Rows as a busy queue leaves them: every minute of the last hour (or day when
    ``full``), and for ``full`` every hour and day of 90 days."""
    from queues.history.buckets import Resolution
    from queues.history.models import MetricRollup

    def hist(base: int) -> dict[str, int]:
        return {str(base + k): 3 + k for k in range(8)}

    rows = []
    minute = Resolution.MINUTE.start(now)
    spans = [(Resolution.MINUTE, 1440 if full else 60)]
    if full:
        spans += [(Resolution.HOUR, 2160), (Resolution.DAY, 90)]
    for name in names:
        for resolution, count in spans:
            start = resolution.start(minute)
            for i in range(count):
                rows.append(
                    MetricRollup(
                        backend="bullmq",
                        queue=name,
                        resolution=resolution.value,
                        start=start - i * resolution.seconds,
                        completed=20 + i % 7,
                        failed=i % 3,
                        wait=hist(20 + i % 5),
                        run=hist(25 + i % 4),
                    )
                )
    MetricRollup.objects.bulk_create(rows, batch_size=2000)


def seed_native(url: str, name: str, minutes: int) -> None:
    client = redis.Redis.from_url(url)
    try:
        base = f"{common.PREFIX}:{name}:metrics:completed"
        client.hset(
            base, mapping={"count": 10**6, "prevTS": int(time.time() * 1000), "prevCount": 10**6}
        )
        pipe = client.pipeline(transaction=False)
        for first in range(0, minutes, 2000):
            pipe.rpush(base + ":data", *([str(20 + n % 9) for n in range(2000)][: minutes - first]))
        pipe.execute()
    finally:
        client.close()


async def timed(client: Any, path: str, requests: int, **headers: str) -> list[Any]:
    response = await client.get(path, headers=headers)  # warm
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = await client.get(path, headers=headers)
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200
    return [f"{statistics.median(times) * 1000:.1f}", f"{common.p95_ms(times):.1f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queues", type=int, default=10, help="queues finishing jobs")
    parser.add_argument("--rate", type=int, default=200, help="jobs finished a second, in all")
    parser.add_argument("--seconds", type=float, default=45, help="measured seconds per run")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    args = parser.parse_args()

    with common.Stack() as stack:
        server = common.start_redis(stack)
        os.environ.update(common.temp_board_env(stack, server.url))
        os.environ["ALLOWED_HOSTS"] = "testserver"

        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import AsyncClient

        call_command("migrate", verbosity=0)
        counter = Counter()
        names = [f"queue-{n:04d}" for n in range(args.queues)]
        common.seed_queues(server.url, names, 2)

        load_rows = []
        runs = {}
        for history in (False, True):
            label = "on" if history else "off"
            with common.step(f"reader with the history {label}, {args.seconds:.0f} s"):
                run = reader_run(server.url, names, args.rate, args.seconds, history, counter)
            runs[label] = run
            per_s = run["elapsed"]
            reader_total = sum(run["reader"].values())
            load_rows.append(
                [
                    label,
                    f"{run['produced'] / per_s:.0f}",
                    f"{reader_total / per_s:.1f}",
                    f"{run['trips'] / per_s:.1f}",
                    f"{run['reader'].get('hmget', 0) / per_s:.1f}",
                    common.describe_delta(run["reader"]),
                    f"{run['writes']}",
                    f"{run['time_reads']}",
                    f"{run['busy'] * 1000 / per_s:.2f}",
                    f"{run['counted']}",
                ]
            )
        on, off = runs["on"], runs["off"]
        own_commands = (
            on["reader"].get("hmget", 0) / on["elapsed"]
            - off["reader"].get("hmget", 0) / off["elapsed"]
        )
        own_trips = on["time_reads"] / on["elapsed"]
        per_thousand = own_commands / max(on["produced"] / on["elapsed"], 1) * 1000

        # -- the chart page at 90 days ----------------------------------------------------------
        from queues.history.models import MetricRollup

        set_history(True)
        MetricRollup.objects.all().delete()
        now = time.time()
        with common.step("seeding 90 days of rollups and two weeks of native counts"):
            seed_rollups([names[0]], now, full=True)
            seed_native(server.url, names[0], 20160)
        stored = MetricRollup.objects.filter(queue=names[0]).count()
        user = get_user_model().objects.create_user("bench", password="bench", is_staff=True)
        client = AsyncClient()
        client.force_login(user)
        page_rows = []
        base = f"/queue/bullmq/{names[0]}/history/"
        api = f"/api/queues/bullmq/{names[0]}/metrics"
        for chosen in ("hour", "day", "90d"):
            with common.step(f"panel and API, {chosen}"):
                panel = asyncio.run(
                    timed(client, f"{base}?range={chosen}", args.requests, HX_Request="true")
                )
                answer = asyncio.run(timed(client, f"{api}?range={chosen}", args.requests))
            page_rows.append([chosen, *panel, *answer])

        from queues.history import sparklines

        overview_names = [f"spark-{n:04d}" for n in range(100)]
        common.seed_queues(server.url, overview_names, 2)
        seed_rollups(overview_names, now, full=False)
        from queues.backends import backends

        backends["bullmq"].discovery.forget()
        overview_rows = []
        for history in (False, True):
            set_history(history)
            sparklines.forget()
            sparklines.KEEP_SECONDS = 0  # every request reads them (the worst case)
            with common.step(f"overview of {len(overview_names) + len(names)} queues"):
                times = asyncio.run(timed(client, "/", args.requests))
            overview_rows.append(["on" if history else "off", *times])

        sections = [
            "## What was measured",
            "",
            f"{args.queues} BullMQ queues finishing {args.rate} jobs a second in all (a producer "
            "thread writes each job's hash, `completed` entry and `completed` event, as a worker "
            f"does). The elected reader follows them for {args.seconds:.0f} s with the history "
            "off, then on (defaults: a write every 15 s, wait and run times read for at most "
            "500 jobs a write). Commands are the server's `INFO commandstats` less the "
            "producer's HSET/ZADD/XADD; round trips are redis.asyncio's in the reader's process.",
            "",
            "## Reader's Redis load",
            "",
            *common.table(
                [
                    "history",
                    "jobs finished /s",
                    "reader commands /s",
                    "reader round trips /s",
                    "HMGET /s",
                    "reader commands by name",
                    "writes",
                    "finish-time reads",
                    "recorder ms /s",
                    "jobs counted",
                ],
                load_rows,
            ),
            "",
            f"The history's own Redis work: **{own_commands:.1f} commands/s** "
            f"({per_thousand:.0f} per 1,000 finished jobs: an HMGET for each job whose times "
            "are read, at most 500 a write) in "
            f"**{own_trips:.2f} round trips/s** (one pipeline per write, every 15 s). "
            "Everything else the reader sends (the events it reads, the counts it re-reads "
            "after each flush of events) is the same with the history off; the totals of the "
            "two runs differ by the load of a shared machine (how often the reader wakes), not "
            "by the history. `recorder ms /s`: time spent per second reading those times and "
            "writing the rollups (the database part in a thread, off the reader's loop; SQLite "
            "here). Jobs counted: every job whose event the reader read in the measured "
            "seconds (written at the last write).",
            "",
            "## The chart panel and API at 90 days",
            "",
            f"One queue with {stored} rollup rows (a day of minutes, 90 days of hours and days: "
            "more than the charts read) and 20,160 minutes of a worker's own counts, merged in. "
            f"Median and p95 of {args.requests} requests through Django's `AsyncClient`.",
            "",
            *common.table(
                ["range", "panel median ms", "panel p95 ms", "API median ms", "API p95 ms"],
                page_rows,
            ),
            "",
            "## The overview with sparklines",
            "",
            f"{len(overview_names) + len(names)} queues, {len(overview_names)} of them with an "
            "hour of minute rows; the sparklines read on every request (kept 0 s instead of 30 s: "
            "the worst case).",
            "",
            *common.table(["history", "overview median ms", "overview p95 ms"], overview_rows),
        ]
        path = common.write_result(
            "metrics_history", "Metrics history: reader load and charts", sections, server.url
        )
        print(f"wrote {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
