"""What one job search costs on BullMQ, and how long it holds Redis, with the default bounds.

A search reads the state's jobs in the list's order, at most ``SEARCH_SCAN_LIMIT`` (10,000) of
them and at most 4 MB of their names, data and failure reasons, and matches the text there, in
short calls of the search script (at most 250 jobs or 256 KB each). Redis runs one script at a
time, so the time one call takes on the server is the time it holds every other client of that
Redis; between calls it serves them. This measures both in the worst shapes for a search:

- a state of 1,000,000 small failed jobs: a text that matches nothing (the whole 10,000-job
  window is read) and one that matches every job (the same window, and a page of rows built);
- a state of 300 waiting jobs of 100 KB each: the 4 MB byte budget, not the job count, stops
  the search;
- the plain failed list of the 1,000,000 (no search), for comparison.

The standalone board (BullMQ backend only) answers ``api/queues/bullmq/<queue>/jobs`` under one
daphne process, to a staff user's session, over keep-alive HTTP on loopback. Server time per
search is the ``EVALSHA`` time from ``INFO commandstats`` (the commands run inside the script
are part of it), per request and per call.

    python bench/search.py [--big 1000000] [--requests 30]
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any
from urllib.parse import urlencode

import common
import redis

HEAVY_JOBS = 300
HEAVY_BYTES = 100_000


def seed_heavy(url: str, queue: str) -> None:
    base = f"{common.PREFIX}:{queue}:"
    client = redis.Redis.from_url(url)
    try:
        pipe = client.pipeline(transaction=False)
        common.write_meta(pipe, queue)
        pipe.set(base + "id", HEAVY_JOBS)
        for job_id in range(1, HEAVY_JOBS + 1):
            data = json.dumps({"blob": "x" * HEAVY_BYTES, "n": job_id})
            pipe.hset(
                base + str(job_id),
                mapping={"name": "render", "data": data, "opts": "{}", "timestamp": str(job_id)},
            )
            pipe.lpush(base + "wait", str(job_id))
        pipe.execute()
    finally:
        client.close()


def evalsha_usec(client: redis.Redis) -> tuple[int, int]:
    stats = client.info("commandstats").get("cmdstat_evalsha", {})
    return int(stats.get("calls", 0)), int(stats.get("usec", 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    big, heavy = f"search-{args.big}", "search-heavy"

    with common.Stack() as stack:
        server = common.start_redis(stack)
        stats = redis.Redis.from_url(server.url)
        stack.callback(stats.close)
        with common.step(f"writing {args.big:,} failed jobs"):
            common.seed_many_failed(server.url, big, args.big)
        with common.step(f"writing {HEAVY_JOBS} waiting jobs of {HEAVY_BYTES:,} bytes"):
            seed_heavy(server.url, heavy)

        # One search's cost is measured here, not the bounds on many (search_starvation.py):
        # the rate limit is lifted for the 100 searches of this script.
        env = common.temp_board_env(stack, server.url)
        env["DJANGO_SETTINGS_MODULE"] = "override_settings"
        env["BENCH_QUEUEBOARD"] = json.dumps({"SEARCH_RATE_LIMIT": 1_000_000})
        with common.step("migrating and logging in"):
            session = common.prepare_database(env)
        with common.step("starting daphne"):
            port = common.start_daphne(stack, env)

        cases = [
            ("plain failed list (no search)", big, "failed", ""),
            ("1M failed, text in no job", big, "failed", "no job holds this"),
            ("1M failed, text in every job", big, "failed", "DECLINED"),
            (f"{HEAVY_JOBS} waiting of 100 KB, text in no job", heavy, "waiting", "needle"),
        ]
        client = common.HttpClient(port, session)
        stack.callback(client.close)
        rows = []
        for label, queue, state, text in cases:
            query = {"state": state, **({"q": text} if text else {})}
            path = f"/api/queues/bullmq/{queue}/jobs?{urlencode(query)}"
            with common.step(label):
                status, body = client.get(path)
                assert status == 200, (status, body[:300])
                answer: dict[str, Any] = json.loads(body)
                for _ in range(args.warmup):
                    client.get(path)
                calls_before, usec_before = evalsha_usec(stats)
                times = []
                for _ in range(args.requests):
                    started = time.perf_counter()
                    status, _ = client.get(path)
                    times.append(time.perf_counter() - started)
                    assert status == 200, status
                calls_after, usec_after = evalsha_usec(stats)
            calls = max(calls_after - calls_before, 1)
            server_ms = (usec_after - usec_before) / args.requests / 1000
            per_call_ms = (usec_after - usec_before) / calls / 1000
            search = answer.get("search") or {}
            rows.append(
                [
                    label,
                    f"{search.get('scanned', '—'):,}" if search else "—",
                    f"{search['in_state']:,}" if search else f"{answer['total']:,}",
                    f"{answer['total']:,}" if search else "—",
                    f"{server_ms:.1f}",
                    f"{calls / args.requests:g}",
                    f"{per_call_ms:.1f}",
                    f"{common.median_ms(times):.1f}",
                    f"{common.p95_ms(times):.1f}",
                ]
            )

        sections = [
            "## What was measured",
            "",
            __doc__.split("\n\n", 1)[1].rsplit("\n\n", 1)[0],
            "",
            f"Each case: {args.warmup} warm-up requests, then {args.requests} timed ones, one "
            "at a time.",
            "",
            "## Results",
            "",
            *common.table(
                [
                    "case",
                    "jobs read",
                    "jobs in the state",
                    "matches",
                    "Redis time per request, ms (EVALSHA)",
                    "script calls per request (one: the counts)",
                    "Redis held per call, ms",
                    "API median ms",
                    "API p95 ms",
                ],
                rows,
            ),
            "",
            "Reading: a search costs in proportion to what it reads, never to the size of the "
            "state; the two bounds (jobs and bytes) cap what one search costs Redis in all, "
            "and the slices cap how long one call holds it. Lower `SEARCH_SCAN_LIMIT` in "
            "`QUEUEBOARD` to cost less.",
        ]
        result = common.write_result(
            "search", "Job search on BullMQ: cost and bounds", sections, server.url
        )
        print(f"wrote {result.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
