"""Round trips and time of the schedule views for 10 and 100,000 job schedulers in one queue.

Each scheduler is laid out as BullMQ 6.x writes it (a member of ``repeat`` scored with its next
run, a ``repeat:<id>`` hash with name, pattern, tz, ic and template data, and its armed job in
``delayed``). Each view is requested through Django's ``AsyncClient`` in-process, logged in as a
staff user, warm (connection open, queue list cached):

- the queue page's schedules panel (``queue/<alias>/<queue>/schedules/``, 20 rows);
- ``api/queues/<alias>/<queue>/schedules`` (50 rows);
- the board's Schedules page (``schedules/``, up to 100 rows per queue);
- one schedule in full (``api/queues/…/schedules/<id>``: its last runs and the preview).

Target: the same round trips whatever the number, and the 100,000 case within 1.5x the time of
the 10 case at the same page size: every view is measured with pages of 10 rows (the pages'
sizes set to 10 in-process, ``count=10`` for the API), so the ratio shows what the number of
schedulers costs, not how many more rows a fuller page renders. The views at their own page
sizes (20, 50 and 100 rows) are measured too and compared with the 100 case, which fills them.

    python bench/schedules_page.py [--sizes 10,100,100000] [--requests 30]
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

QUEUE = "reports"
BATCH = 10_000
TARGET_RATIO = 1.5


def seed(url: str, count: int) -> None:
    r = redis.Redis.from_url(url)
    base = f"{common.PREFIX}:{QUEUE}:"
    now = int(time.time() * 1000)
    try:
        pipe = r.pipeline(transaction=False)
        common.write_meta(pipe, QUEUE)
        pipe.set(base + "id", 0)
        for n in range(count):
            sid = f"tenant-{n:06d}:daily"
            millis = now + 3_600_000 + n * 1000
            pipe.zadd(base + "repeat", {sid: millis})
            pipe.hset(
                base + f"repeat:{sid}",
                mapping={"name": "report", "pattern": "0 9 * * 1-5", "tz": "America/New_York",
                         "ic": 3, "data": f'{{"tenant": {n}}}'},
            )  # fmt: skip
            job_id = f"repeat:{sid}:{millis}"
            pipe.zadd(base + "delayed", {job_id: millis * 0x1000})
            armed = {"name": "report", "data": "{}", "opts": "{}", "timestamp": now,
                     "delay": 3_600_000, "rjk": sid}  # fmt: skip
            pipe.hset(base + job_id, mapping=armed)
            if (n + 1) % BATCH == 0:
                pipe.execute()
                pipe = r.pipeline(transaction=False)
        pipe.execute()
    finally:
        r.close()


def page_size(rows: int | None) -> None:
    """Set the pages' sizes to ``rows`` (None: their own)."""
    from queues.views import schedules_pages

    defaults = getattr(page_size, "defaults", None)
    if defaults is None:
        defaults = page_size.defaults = (  # type: ignore[attr-defined]
            schedules_pages.PANEL_SIZE,
            schedules_pages.BOARD_PER_QUEUE,
        )
    panel, board = (rows, rows) if rows else defaults
    schedules_pages.PANEL_SIZE, schedules_pages.BOARD_PER_QUEUE = panel, board


async def measure(client: Any, path: str, counter: Counter, requests: int) -> tuple[int, float]:
    await client.get(path)  # warm
    counts = []
    for _ in range(3):  # the fewest of three: a discovery refresh (discovery_ttl) is not the view's
        counter.reset()
        response = await client.get(path)
        counts.append(counter.trips)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
    trips = min(counts)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = await client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200
    return trips, statistics.median(times)


async def warm_discovery(client: Any, path: str) -> None:
    await client.get(path)
    await asyncio.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,100000", help="numbers of schedulers")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per view")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds over every size (the fastest median kept)"
    )
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]

    with common.Stack() as stack:
        server = common.start_redis(stack)
        os.environ.update(common.temp_board_env(stack, server.url))
        os.environ["ALLOWED_HOSTS"] = "testserver"
        os.environ["QUEUEBOARD_COUNTS_CACHE_SECONDS"] = "0"

        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import AsyncClient

        call_command("migrate", verbosity=0)
        user = get_user_model().objects.create_user("bench", password="bench", is_staff=True)
        client = AsyncClient()
        client.force_login(user)
        counter = Counter()
        stats = redis.Redis.from_url(server.url)
        stack.callback(stats.close)
        one = f"/api/queues/bullmq/{QUEUE}/schedules/tenant-000007:daily"
        # (label, path, page size set in-process or None, target: against the 10 case)
        views = [
            ("queue panel (10 rows)", f"/queue/bullmq/{QUEUE}/schedules/", 10, True),
            ("`api/queues/…/schedules` (10 rows)",
             f"/api/queues/bullmq/{QUEUE}/schedules?count=10", None, True),
            ("Schedules page (10 rows)", "/schedules/", 10, True),
            ("one schedule in full (API)", one, None, True),
            ("queue panel (20 rows)", f"/queue/bullmq/{QUEUE}/schedules/", None, False),
            ("`api/queues/…/schedules` (50 rows)", f"/api/queues/bullmq/{QUEUE}/schedules",
             None, False),
            ("Schedules page (100 rows)", "/schedules/", None, False),
        ]  # fmt: skip
        results: dict[tuple[int, str], tuple[int, float]] = {}
        # Each round measures every size again, and each (size, view) keeps its fastest median:
        # on a shared machine the load drifts over a run, which favours no size that way.
        for size in [size for _round in range(args.rounds) for size in sizes]:
            stats.flushall()
            with common.step(f"seeding {size:,} schedulers"):
                seed(server.url, size)
            with common.step(f"measuring {size:,} schedulers"):
                # The queue list is found again after the seeding (SCAN over every key, its
                # pages counted as round trips); that is the overview's cost, not these views'.
                from queues.backends import backends

                backends["bullmq"].discovery.forget()
                asyncio.run(warm_discovery(client, views[0][1]))
                for label, path, rows, _target in views:
                    page_size(rows)
                    found = asyncio.run(measure(client, path, counter, args.requests))
                    kept = results.get((size, label))
                    results[size, label] = found if kept is None or found[1] < kept[1] else kept
                page_size(None)
        rows = []
        small, large = sizes[0], sizes[-1]
        full = sizes[1] if len(sizes) > 2 else small  # fills every view's page
        met = True
        for label, _path, _rows, target in views:
            for size in sizes:
                trips, median = results[size, label]
                ratio = median / results[small, label][1]
                same_rows = median / results[full, label][1]
                against = ratio if target else same_rows
                ok = trips == results[small, label][0] and against <= TARGET_RATIO
                if size == large and target:
                    met = met and ok
                verdict = ("yes" if ok else "**no**") if size == large else ""
                rows.append([label, f"{size:,}", trips, f"{median:.1f}", f"{ratio:.2f}",
                             f"{same_rows:.2f}", verdict])  # fmt: skip
        sections = [
            "## What was measured",
            "",
            "One queue holding the given number of job schedulers laid out as BullMQ 6.x "
            "writes them (zset member and score, `repeat:<id>` hash, armed delayed job). Each "
            f"view is requested once to warm up, then {args.requests} times; round trips are "
            "calls of redis.asyncio's `send_packed_command` for one warm request. The sizes are "
            f"measured in turn, {args.rounds} rounds; each figure is the fastest round's median.",
            "",
            "## Results",
            "",
            *common.table(
                [
                    "view",
                    "schedulers",
                    "round trips",
                    "median ms",
                    f"x the {small:,} case",
                    f"x the {full:,} case (same rows)",
                    f"same trips, ≤ {TARGET_RATIO}x (10-row pages: of the {small:,} case; "
                    f"others: of the {full:,} case)",
                ],
                rows,
            ),
            "",
            "## Target",
            "",
            f"Same round trips and at most {TARGET_RATIO}x the time of the {small:,} case at the "
            f"same page size (10 rows) with {large:,} schedulers: "
            + ("**met**" if met else "**not met**")
            + ". A page is one script call (`lua/schedules.lua`: ZRANGE of the page, then per "
            "row HGETALL and the armed job's ZSCORE, all server-side), so its cost follows the "
            "page size, not the number of schedulers. The rows of the pages are built in Python "
            "(`queues/schedule_rows.py`), not in a template loop.",
        ]
        path = common.write_result("schedules_page", "Schedules page", sections, server.url)
        print(f"wrote {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
