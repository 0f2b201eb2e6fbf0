"""Fill the RQ demo queue ``rq-invoices`` with jobs in every RQ state, through ``rq`` itself.

Finished and failed jobs are run here by an RQ ``SimpleWorker`` in burst mode (JSON
serializer, so the board shows their arguments); then scheduled, deferred, canceled and
queued jobs are added for the demo's ``rq worker`` to make active.
"""

from __future__ import annotations

from datetime import timedelta

import redis

QUEUE = "rq-invoices"
CUSTOMERS = ["ada@example.com", "grace@example.com", "linus@example.org", "ken@mail.invalid"]


SEEDER = "demo-seed"


def forget(client: redis.Redis) -> None:
    """Delete the demo queue's jobs (their hashes, results, executions) and registries, so a
    second seed starts afresh."""
    doomed = [key for key in client.scan_iter(match=f"rq:*:{QUEUE}", count=1000)]
    for key in client.scan_iter(match="rq:job:*", count=1000):
        if b":" in key[len(b"rq:job:") :] or client.hget(key, "origin") != QUEUE.encode():
            continue
        job_id = key[len(b"rq:job:") :].decode()
        doomed += [key, f"rq:results:{job_id}", f"rq:executions:{job_id}"]
        doomed += [f"rq:job:{job_id}:dependents", f"rq:job::{job_id}:dependencies"]
    for key in client.scan_iter(match="rq:execution:*", count=1000):
        doomed.append(key)
    if doomed:
        client.delete(*doomed)


def seed(url: str) -> dict[str, dict[str, int]]:
    from rq import Queue, Retry, SimpleWorker
    from rq.registry import (
        CanceledJobRegistry,
        DeferredJobRegistry,
        FailedJobRegistry,
        FinishedJobRegistry,
        ScheduledJobRegistry,
    )
    from rq.serializers import JSONSerializer

    client = redis.Redis.from_url(url)
    queue = Queue(QUEUE, connection=client, serializer=JSONSerializer)
    forget(client)
    fast = "board.demo.rq_jobs.send_reminders"
    for day in ("2026-11-29", "2026-11-30", "2026-12-01"):
        queue.enqueue(fast, day)
    queue.enqueue("board.demo.rq_jobs.render_invoice", "ken@mail.invalid", 12.5, retry=Retry(max=1))
    worker = SimpleWorker([queue], connection=client, serializer=JSONSerializer, name=SEEDER)
    worker.work(burst=True)
    client.delete(worker.key, f"{worker.key}:executions")
    first = queue.enqueue_in(timedelta(hours=1), fast, "2026-12-03")
    queue.enqueue(fast, "2026-12-04", depends_on=first)
    queue.enqueue_in(timedelta(hours=2), fast, "2026-12-05").cancel()
    for n, customer in enumerate(CUSTOMERS * 3):
        queue.enqueue("board.demo.rq_jobs.render_invoice", customer, 10.0 + n, currency="EUR")
    counts = {
        "queued": queue.count,
        "scheduled": client.zcard(ScheduledJobRegistry(QUEUE, connection=client).key),
        "deferred": client.zcard(DeferredJobRegistry(QUEUE, connection=client).key),
        "finished": client.zcard(FinishedJobRegistry(QUEUE, connection=client).key),
        "failed": client.zcard(FailedJobRegistry(QUEUE, connection=client).key),
        "canceled": client.zcard(CanceledJobRegistry(QUEUE, connection=client).key),
    }
    client.close()
    return {QUEUE: counts}
