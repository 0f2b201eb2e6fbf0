"""Failure groups of a queue with 100,000 failed jobs: time and Redis time per request.

One private redis-server holds a BullMQ queue of ``--jobs`` failed jobs (three causes whose
messages differ in ids, numbers and e-mail addresses, each with a Node-style stack trace as a
worker leaves it), written with pipelined HSET/ZADD. The standalone board under one daphne
serves ``GET api/queues/bullmq/<queue>/failure-groups`` (the default window: the newest
``FAILURE_GROUPS_SCAN`` = 5,000 failed jobs) and the groups page to a staff user's session over
keep-alive HTTP. Redis time is the ``INFO commandstats`` usec delta per request (the scripts
reading the window, and their commands); commands per request likewise.

    python bench/failure_groups.py [--jobs 100000] [--requests 30]
"""

from __future__ import annotations

import argparse
import json
import time

import common
import redis

QUEUE = "failing"
CAUSES = (
    ("TypeError", "User {n} not found (user{n}@example.com)", "findUser"),
    ("Error", "Payment {n}-{m} declined: amount {n}.{m} for 'acct-{n}'", "charge"),
    ("RangeError", "Timeout after {m}ms reading 0x{h:x}", "fetchPage"),
)


def seed(url: str, count: int, batch: int = 10_000) -> None:
    base = f"{common.PREFIX}:{QUEUE}:"
    client = redis.Redis.from_url(url)
    try:
        pipe = client.pipeline(transaction=False)
        common.write_meta(pipe, QUEUE)
        pipe.set(base + "id", count)
        pipe.execute()
        for first in range(1, count + 1, batch):
            members: dict[str, float] = {}
            for job_id in range(first, min(first + batch, count + 1)):
                klass, template, function = CAUSES[job_id % 3]
                message = template.format(n=job_id, m=job_id % 997, h=job_id * 4099)
                stack = (
                    f"{klass}: {message}\n    at {function} "
                    f"(/srv/app/worker.js:{10 + job_id % 3}:7)"
                    "\n    at Worker.callProcessJob (/srv/app/node_modules/bullmq/dist/worker.js:"
                    "400:20)\n    at process.processTicksAndRejections (node:internal:95:5)"
                )
                finished = common.NOW_MS - count + job_id
                pipe.hset(
                    base + str(job_id),
                    mapping={
                        "name": ("sync-user", "charge", "fetch")[job_id % 3],
                        "data": f'{{"n":{job_id}}}',
                        "opts": '{"attempts":1}',
                        "timestamp": str(finished - 20),
                        "processedOn": str(finished - 10),
                        "finishedOn": str(finished),
                        "failedReason": message,
                        "stacktrace": json.dumps([stack]),
                        "atm": "1",
                    },
                )
                members[str(job_id)] = float(finished)
            pipe.zadd(base + "failed", members)
            pipe.execute()
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    with common.Stack() as stack:
        server = common.start_redis(stack)
        stats = redis.Redis.from_url(server.url)
        stack.callback(stats.close)
        started = time.monotonic()
        with common.step(f"writing {args.jobs:,} failed jobs"):
            seed(server.url, args.jobs)
        seed_seconds = time.monotonic() - started
        port, session, _env = common.start_board(stack, server.url)
        targets = [
            ("API", f"/api/queues/bullmq/{QUEUE}/failure-groups"),
            ("page", f"/queue/bullmq/{QUEUE}/failure-groups/"),
        ]
        client = common.HttpClient(port, session)
        status, body = client.get(targets[0][1])
        assert status == 200, (status, body[:300])
        answer = json.loads(body)
        assert answer["scanned"] == 5000 and answer["complete"] is False, answer
        assert len(answer["groups"]) == 3, answer["groups"]

        rows = []
        for label, path in targets:
            common.time_requests(client, path, 0, args.warmup, lambda body: None)
            before_usec = common.server_usec(stats)
            before = common.commandstats(stats)
            times = []
            for _ in range(args.requests):
                began = time.perf_counter()
                status, _body = client.get(path)
                times.append(time.perf_counter() - began)
                assert status == 200, (path, status)
            redis_ms = (common.server_usec(stats) - before_usec) / args.requests / 1000
            delta = common.stats_delta(before, common.commandstats(stats))
            rows.append(
                [
                    label,
                    f"`{path}`",
                    f"{common.median_ms(times):.1f}",
                    f"{common.p95_ms(times):.1f}",
                    f"{redis_ms:.1f}",
                    common.describe_delta(delta, args.requests),
                ]
            )
        client.close()

        sections = [
            "## What was measured",
            "",
            f"One BullMQ queue, `{QUEUE}`, with {args.jobs:,} failed jobs of three causes (the "
            "message's ids, numbers, e-mail addresses and quoted values differ from job to job; "
            "each job carries a Node-style stack trace of three frames), written with pipelined "
            f"HSET/ZADD in {seed_seconds:.0f} s. The standalone board (BullMQ backend only) "
            "under one daphne process served the failure groups with the default window "
            "(`FAILURE_GROUPS_SCAN` = 5,000: the newest 5,000 failed jobs, in twenty script calls "
            "of 250) to a staff user's session over one keep-alive connection on loopback: "
            f"{args.warmup} warm-up requests, then {args.requests} timed ones per target. Redis "
            "time is the `INFO commandstats` usec delta per request; commands run inside the "
            "script count individually.",
            "",
            "## Results",
            "",
            *common.table(
                [
                    "target",
                    "path",
                    "median ms",
                    "p95 ms",
                    "Redis ms / request",
                    "Redis commands / request",
                ],
                rows,
            ),
            "",
            f"Every answer: `scanned` 5000, `complete` false (the queue holds {args.jobs:,}), "
            "three groups. The cost follows the window, not the queue: each script call is "
            "one ZREVRANGEBYSCORE of 250 plus one HMGET of name, failedReason and stacktrace "
            "per job (the stack parsed by the script, only its class and top frame sent back).",
        ]
        path = common.write_result(
            "failure_groups", "Failure groups: 100,000 failed jobs", sections, server.url
        )
        print(f"wrote {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
