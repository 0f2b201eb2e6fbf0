"""Failed-jobs page of a queue with 1,000 failed jobs against one with 1,000,000.

Both queues live in one private redis-server, written with pipelined HSET/ZADD in batches
(small job hashes, the ``failed`` zset scored by finishedOn, meta, id, events). The standalone
board (BullMQ backend only) runs under one daphne process, logged in as a staff user; each
target is requested over its own keep-alive connection, timed requests interleaved across
targets. A page of a zset is one ZREVRANGE by index (O(log N + M)) plus one HMGET per job, all
inside one script, so the page should not slow down with the queue's size.

Target: the 1M queue's failed page within 1.5x the time of the 1,000 queue's, first page and a
middle page (page 25,000 of 50,000 at 20 per page). Also recorded: Redis memory, and what the
queue list's discovery (a SCAN of the whole keyspace, once per ``discovery_ttl``) costs there.

    python bench/failed_page_scaling.py [--big 1000000] [--requests 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from typing import Any

import common
import redis

PAGE_SIZE = 20
TARGET = 1.5


def used_memory(client: redis.Redis) -> tuple[int, str]:
    info = client.info("memory")
    return int(info["used_memory"]), str(info["used_memory_human"])


def check_page(queue: str) -> Any:
    def check(body: bytes) -> None:
        rows = body.count(f"/queue/bullmq/{queue}/job/".encode())
        assert rows >= PAGE_SIZE, f"the failed page of {queue} lists {rows} job links"

    return check


async def discovery_cost(url: str) -> tuple[float, int]:
    """Seconds and queues of one uncached discovery, as a request pays it once per TTL."""
    import redis.asyncio

    from queues.backends.bullmq.discovery import Discovery

    client = redis.asyncio.Redis.from_url(url)
    try:
        await client.ping()
        started = time.perf_counter()
        names = await Discovery(common.PREFIX, ttl=30).names(client)
        return time.perf_counter() - started, len(names)
    finally:
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    small, big = f"failed-{args.small}", f"failed-{args.big}"

    with common.Stack() as stack:
        server = common.start_redis(stack)
        stats = redis.Redis.from_url(server.url)
        stack.callback(stats.close)
        memory = [("empty server", *used_memory(stats))]
        with common.step(f"writing {args.small:,} failed jobs"):
            common.seed_many_failed(server.url, small, args.small)
        memory.append((f"after {small}", *used_memory(stats)))
        started = time.monotonic()
        with common.step(f"writing {args.big:,} failed jobs"):
            common.seed_many_failed(server.url, big, args.big)
        seed_seconds = time.monotonic() - started
        memory.append((f"after {big}", *used_memory(stats)))
        keys = int(stats.dbsize())

        port, session, env = common.start_board(stack, server.url)

        pages = {
            small: [("first", 1), ("middle", -(-args.small // PAGE_SIZE) // 2)],
            big: [("first", 1), ("middle", -(-args.big // PAGE_SIZE) // 2)],
        }
        targets = []
        for queue, wanted in pages.items():
            for where, page in wanted:
                path = f"/queue/bullmq/{queue}/?state=failed&page={page}&per_page={PAGE_SIZE}"
                targets.append((queue, where, page, path))

        first_request = common.HttpClient(port, session)
        started = time.perf_counter()
        status, body = first_request.get(targets[0][3])
        cold_ms = (time.perf_counter() - started) * 1000
        first_request.close()
        assert status == 200, (status, body[:300])

        clients = {path: common.HttpClient(port, session) for *_, path in targets}
        commands: dict[str, dict[str, int]] = {}
        with common.step("warming up"):
            for queue, _where, _page, path in targets:
                before = common.commandstats(stats)
                common.time_requests(clients[path], path, 0, args.warmup, check_page(queue))
                commands[path] = common.stats_delta(before, common.commandstats(stats))
        times: dict[str, list[float]] = {path: [] for *_, path in targets}
        with common.step(f"timing {args.requests} rounds"):
            for _ in range(args.requests):
                for *_, path in targets:
                    started = time.perf_counter()
                    status, body = clients[path].get(path)
                    times[path].append(time.perf_counter() - started)
                    assert status == 200, (path, status, body[:300])
        for client in clients.values():
            client.close()

        os.environ.update(env)
        import django

        django.setup()
        with common.step("timing one uncached discovery"):
            before = common.commandstats(stats)
            discovery_seconds, discovered = asyncio.run(discovery_cost(server.url))
            discovery_delta = common.stats_delta(before, common.commandstats(stats))

        medians = {path: common.median_ms(times[path]) for path in times}
        rows = []
        for queue, where, page, path in targets:
            delta = commands[path]
            rows.append(
                [
                    queue,
                    f"{where} (page {page:,})",
                    f"{medians[path]:.2f}",
                    f"{common.p95_ms(times[path]):.2f}",
                    f"{sum(delta.values()) / args.warmup:.1f}",
                    common.describe_delta(delta, args.warmup),
                ]
            )
        verdict_rows = []
        met = True
        for where in ("first", "middle"):
            small_path = next(t[3] for t in targets if t[0] == small and t[1] == where)
            big_path = next(t[3] for t in targets if t[0] == big and t[1] == where)
            ratio = medians[big_path] / medians[small_path]
            met = met and ratio <= TARGET
            verdict_rows.append(
                [
                    f"{where} page",
                    f"{medians[small_path]:.2f}",
                    f"{medians[big_path]:.2f}",
                    f"{ratio:.2f}x",
                    "**met**" if ratio <= TARGET else "**not met**",
                ]
            )

        sections = [
            "## What was measured",
            "",
            f"Two BullMQ queues in one private redis-server: `{small}` with {args.small:,} "
            f"failed jobs and `{big}` with {args.big:,} (small job hashes of 8 fields, the "
            "`failed` zset scored by finishedOn, plus meta, id and events), written with "
            f"pipelined HSET/ZADD in batches of 10,000 ({args.big:,} jobs in {seed_seconds:.0f} "
            f"s; {keys:,} keys in all). The queue page with the failed tab "
            f"(`/queue/bullmq/<queue>/?state=failed&page=N&per_page={PAGE_SIZE}`, full HTML) "
            "was served by the standalone board (BullMQ backend only, `bench/bench_settings.py`) "
            "under one daphne process, to a staff user's session cookie, over keep-alive HTTP "
            f"on loopback: {args.warmup} warm-up requests per target, then {args.requests} "
            "rounds of one request to each target in turn (sequential, interleaved). Redis "
            "commands per request are `INFO commandstats` deltas over each target's warm-up "
            "block; commands run inside the page script count individually.",
            "",
            "## Results",
            "",
            *common.table(
                [
                    "queue",
                    "page",
                    "median ms",
                    "p95 ms",
                    "Redis commands / request",
                    "commands by name / request",
                ],
                rows,
            ),
            "",
            f"The very first request (new Redis connection, discovery cold: a SCAN over all "
            f"{keys:,} keys) took {cold_ms:.0f} ms.",
            "",
            "## Target: the 1M queue within 1.5x of the 1,000 queue",
            "",
            *common.table(
                [
                    "page",
                    f"{args.small:,} failed, median ms",
                    f"{args.big:,} failed, median ms",
                    "ratio",
                    f"≤ {TARGET}x",
                ],
                verdict_rows,
            ),
            "",
            "Overall: " + ("**met**" if met else "**not met**") + ".",
            "",
            "## Redis memory",
            "",
            *common.table(
                ["when", "used_memory", "bytes"],
                [[when, human, f"{n:,}"] for when, n, human in memory],
            ),
            "",
            f"About {(memory[2][1] - memory[1][1]) / args.big:.0f} bytes per failed job "
            "(hash + zset entry).",
            "",
            "## Queue discovery on this keyspace",
            "",
            f"One uncached discovery (what one request pays once per `discovery_ttl`, 30 s by "
            f"default, and the first request of a process) took {discovery_seconds * 1000:.0f} "
            f"ms and found {discovered} queues: "
            + common.describe_delta(discovery_delta)
            + ". SCAN walks the whole keyspace whatever it matches, so this grows with the "
            "number of keys (here, mostly job hashes), not with the number of queues.",
        ]
        path = common.write_result(
            "failed_page_scaling", "Failed-jobs page: 1,000 vs 1,000,000 jobs", sections, server.url
        )
        print(f"wrote {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
