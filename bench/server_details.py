"""The cost of the Server details panel (``BullMQBackend.server_details``) as the database grows.

Each size is a database of that many keys, a tenth of them under the board's prefix (``bull:``)
and the rest another application's. The panel's read is called 20 times in this process (the
standalone board's settings, only the BullMQ backend), and measured three ways: wall time per
read, Redis commands per read (``INFO commandstats``), and the longest single command Redis ran
for it (``SLOWLOG`` with every command logged). Targets: no command longer than 50 ms and a
bounded number of commands, whatever the size (keys are counted by SCAN up to 10,000 keys, then
estimated).

    python bench/server_details.py [--sizes 1000,100000,1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from typing import Any

import common
import redis

READS = 20
TARGET_US = 50_000


def seed(client: redis.Redis, size: int) -> None:
    """``size`` keys, one in ten under ``bull:``: DEBUG POPULATE where allowed, else SETs."""
    client.flushall()
    try:
        client.execute_command("DEBUG", "POPULATE", size - size // 10, "app")
        client.execute_command("DEBUG", "POPULATE", size // 10, "bull:q:x")
        return
    except redis.ResponseError:
        pass
    batch = 10_000
    for start in range(0, size, batch):
        with client.pipeline(transaction=False) as pipe:
            for n in range(start, min(start + batch, size)):
                pipe.set(f"bull:q{n % 50}:x{n}" if n % 10 == 0 else f"app:{n}", "1")
            pipe.execute()


async def measure(backend: Any) -> tuple[list[float], Any]:
    times: list[float] = []
    details = None
    for _ in range(READS):
        started = time.perf_counter()
        details = await backend.server_details()
        times.append(time.perf_counter() - started)
    await backend.close()
    return times, details


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000,1000000", help="keys in the database")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    rows: list[list[Any]] = []
    worst_us = 0
    with common.Stack() as stack:
        server = common.start_redis(stack)
        os.environ.update(common.temp_board_env(stack, server.url))
        import django

        django.setup()
        from queues.backends import backends

        backend = backends["bullmq"]
        client = redis.Redis.from_url(server.url)
        stack.callback(client.close)
        for size in sizes:
            with common.step(f"seeding {size} keys"):
                seed(client, size)
            client.config_set("slowlog-log-slower-than", "0")
            client.config_set("slowlog-max-len", "100000")
            client.slowlog_reset()
            before = common.commandstats(client)
            with common.step(f"measuring {size} keys"):
                times, details = asyncio.run(measure(backend))
            delta = common.stats_delta(before, common.commandstats(client))
            delta.pop("slowlog|reset", None)
            log = [e for e in client.slowlog_get(100_000) if b"slowlog" not in e["command"].lower()]
            client.config_set("slowlog-log-slower-than", "10000")
            longest = max(log, key=lambda e: e["duration"])
            command = longest["command"].decode(errors="replace")
            worst_us = max(worst_us, int(longest["duration"]))
            keys = details.keys
            counted = (
                f"{keys.count:,} exact"
                if keys.exact
                else f"≈ {keys.count:,} (of {keys.total:,}; {keys.sampled:,} seen)"
            )
            rows.append(
                [
                    f"{size:,}",
                    f"{size // 10:,}",
                    counted,
                    f"{common.median_ms(times):.1f}",
                    f"{common.p95_ms(times):.1f}",
                    common.describe_delta(delta, per=READS),
                    f"{int(longest['duration']):,} µs ({command[:40]})",
                ]
            )
            met = worst_us <= TARGET_US
            sections = [
                "## What was measured",
                "",
                "A database of N keys, one in ten under `bull:`, the rest another application's. "
                f"`server_details()` is called {READS} times per size in this process: one "
                "pipeline (INFO server, clients, memory, replication; DBSIZE), then SCAN pages of "
                "1,000 keys until the whole database or 10,000 keys were seen. Beyond that the "
                "count under the prefix is estimated from the share seen, and the panel says so. "
                "INFO is left out of the command counts (the accounting reads it too).",
                "",
                "## Results",
                "",
                *common.table(
                    [
                        "keys",
                        "under bull:",
                        "counted",
                        "median ms",
                        "p95 ms",
                        "Redis commands per read",
                        "longest command",
                    ],
                    rows,
                ),
                "",
                "## Target",
                "",
                f"No single Redis command over {TARGET_US // 1000} ms, and a number of commands "
                "that stops growing with the database: "
                + ("**met**" if met else "**not met**")
                + f" (longest {worst_us:,} µs).",
            ]
            path = common.write_result("server_details", "Server details", sections, server.url)
            print(f"wrote {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
