"""The probe's producer, in a process of its own: ``updateProgress({"t": <microseconds since the
epoch>})`` on the given jobs in turn, one event every ``interval`` seconds; prints "ready" when
it starts sending and the stamps sent (JSON) when done.

In its own process the stamp is taken right before the event is written: in the clients'
process, busy reading 1,000 sockets' frames, the write waited for the clients' loop first, and
that wait was counted as the board's latency.

    python bench/live/producer.py <redis url> <events> <interval> <job id>...
"""

from __future__ import annotations

import asyncio
import json
import sys
import time


async def produce(url: str, events: int, interval: float, ids: list[str]) -> list[int]:
    from bullmq import Job, Queue

    queue = Queue("probe", {"connection": url, "prefix": "bull"})
    try:
        jobs = [await Job.fromId(queue, job_id) for job_id in ids]
        if any(job is None for job in jobs):
            raise SystemExit("a probe job is missing")
        print("ready", flush=True)  # the events start now
        sent = []
        for n in range(events):
            stamp = int(time.time() * 1_000_000)
            sent.append(stamp)
            await jobs[n % len(jobs)].updateProgress({"t": stamp})  # type: ignore[union-attr]
            await asyncio.sleep(interval)
        return sent
    finally:
        await queue.close()


if __name__ == "__main__":
    url, events, interval, *ids = sys.argv[1:]
    print(json.dumps(asyncio.run(produce(url, int(events), float(interval), ids))))
