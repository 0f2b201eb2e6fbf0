"""Replaying 10,000 BullMQ dead letters: the Redis time of each batch, and the total time.

One private redis-server. The dead letters are written with the ``bullmq`` package's own
``Queue.addBulk`` into ``dead-letter``, shaped as BullMQ's guides teach ({originalQueue,
originalJobId, data, error, failedAt}, name "failed-job"). Then, through ``BullMQBackend``
(``queues.actions.dead_letters.replay_step``, no database work), a whole-queue replay runs to
its end with the board's default batch (1,000 asked, at most ``STEP_CAP`` = 50 per batch, fewer
while the wait list is long: ``LIST_BUDGET``).

Each batch's Redis time is the sum of every command's time in it (INFO commandstats, read
before and after with the batch alone on the server): an upper bound of its longest atomic
unit (the MULTI of ``addBulk``, the MULTI of the removals); it counts a script's inner commands
twice (in the script's time and their own), so it errs high. Target: no batch over 50 ms.

    python bench/dead_letter_replay.py [--jobs 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from typing import Any

import common
import redis

DLQ = "dead-letter"
ORIGINAL = "emails"
TARGET_MS = 50.0
BATCH = 1000


def write_letters(url: str, count: int) -> None:
    from bullmq import Queue

    async def write() -> None:
        queue = Queue(DLQ, {"connection": url, "prefix": common.PREFIX})
        for start in range(0, count, 1000):
            await queue.addBulk(
                [
                    {
                        "name": "failed-job",
                        "data": {
                            "originalQueue": ORIGINAL,
                            "originalJobId": str(n + 1),
                            "data": {"n": n, "to": f"user{n}@example.com"},
                            "error": f"SMTP refused <user{n}@example.com>",
                            "failedAt": "2026-12-02T05:00:00.000Z",
                        },
                    }
                    for n in range(start, min(start + 1000, count))
                ]
            )
        await queue.close()

    asyncio.run(write())


def redis_usec(client: redis.Redis) -> int:
    info = client.info("commandstats")
    return sum(int(row.get("usec", 0)) for row in info.values() if isinstance(row, dict))


async def replay_all(backend: Any, stats: redis.Redis) -> tuple[int, list[float]]:
    from queues.actions.dead_letters import replay_step

    class Anyone:  # allowed into every queue (the ACCESS rule is not what is measured)
        is_authenticated = is_staff = is_active = True

    done, left_behind, batch_ms = 0, 0, []
    while True:
        before = redis_usec(stats)
        outcome = await replay_step(Anyone(), backend, DLQ, left_behind, BATCH)
        batch_ms.append((redis_usec(stats) - before) / 1000)
        done += outcome.done
        left_behind += len(outcome.skipped) + len(outcome.failed)
        if outcome.finished:
            break
    await backend.close()
    return done, batch_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
    with common.Stack() as stack:
        server = common.start_redis(stack)
        os.environ["REDIS_URL"] = server.url
        import django

        django.setup()
        from queues.backends.bullmq import BullMQBackend

        stats = redis.Redis.from_url(server.url)
        with common.step(f"writing {args.jobs} dead letters"):
            write_letters(server.url, args.jobs)
        entry = {"BACKEND": "queues.backends.bullmq.BullMQBackend",
                 "OPTIONS": {"url": server.url, "prefix": common.PREFIX}}  # fmt: skip
        backend = BullMQBackend("bullmq", entry)
        started = time.perf_counter()
        with common.step("replaying them all"):
            done, batch_ms = asyncio.run(replay_all(backend, stats))
        total = time.perf_counter() - started
        replayed = stats.llen(f"{common.PREFIX}:{ORIGINAL}:wait")
        left = stats.llen(f"{common.PREFIX}:{DLQ}:wait")
        worst = max(batch_ms)
        p99 = sorted(batch_ms)[int(len(batch_ms) * 0.99)]
        over = [i for i, ms in enumerate(batch_ms) if ms > TARGET_MS]
        verdict = "met" if worst <= TARGET_MS else "NOT met"
        sections = [
            f"{args.jobs:,} dead letters; batch asked {BATCH:,} (the board's BULK_BATCH_SIZE), "
            "at most 50 per batch (fewer while the wait list is long); new jobs added 100 per "
            "MULTI.",
            "",
            *common.table(
                [
                    "replayed",
                    "new jobs waiting",
                    "dead letters left",
                    "batches",
                    "total s",
                    "mean batch Redis ms",
                    "p99 batch Redis ms",
                    "longest batch Redis ms",
                    "batches over 50 ms (which)",
                ],
                [
                    [
                        f"{done:,}",
                        f"{replayed:,}",
                        f"{left:,}",
                        len(batch_ms),
                        f"{total:.2f}",
                        f"{sum(batch_ms) / len(batch_ms):.1f}",
                        f"{p99:.1f}",
                        f"{worst:.1f}",
                        f"{len(over)} ({', '.join(str(i + 1) for i in over[:5]) or '-'})",
                    ]
                ],
            ),
            "",
            f"Target (no batch over {TARGET_MS:.0f} ms of Redis time): {verdict}.",
        ]
        path = common.write_result(
            "dead_letter_replay", "Replaying BullMQ dead letters", sections, server.url
        )
        print(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
