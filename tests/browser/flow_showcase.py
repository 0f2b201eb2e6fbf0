"""A flow for the pages' pictures: four levels across two queues with long names and ids, in
BullMQ's shape (written directly, as the showcase's other jobs are)."""

from __future__ import annotations

import json
import time

import redis

from tests import bullmq_producers
from tests.browser import showcase

#: The job whose page shows the tree: a leaf four levels down.
LEAF_ID = "render-invoice-pdf-for-customer-account-88121-page-bundle-3"
ROOT_ID = "monthly-billing-run-2024-11"

#: (queue, id, name, state, parent id or None)
JOBS = [
    (showcase.QUEUE, ROOT_ID, "monthly-billing-run", "waiting-children", None),
    (showcase.LONG_QUEUE, "customer-88121", "bill-customer-account", "waiting-children", ROOT_ID),
    (showcase.LONG_QUEUE, "customer-88122", "bill-customer-account", "completed", ROOT_ID),
    (showcase.LONG_QUEUE, "customer-88123", "bill-customer-account", "failed", ROOT_ID),
    (showcase.QUEUE, "invoice-88121", showcase.LONG_NAME, "waiting-children", "customer-88121"),
    (showcase.QUEUE, LEAF_ID, "render-invoice-pdf", "active", "invoice-88121"),
    (showcase.QUEUE, "invoice-88121-mail", "send-email", "waiting", "invoice-88121"),
]
_FINISHED = {"completed": "processed", "failed": "failed"}


def seed_flow(url: str) -> None:
    now = int(time.time() * 1000)
    queue_of = {job_id: queue for queue, job_id, _, _, _ in JOBS}
    client = redis.Redis.from_url(url)
    try:
        pipe = client.pipeline(transaction=False)
        for queue, job_id, name, state, parent in JOBS:
            base = f"{bullmq_producers.PREFIX}:{queue}:"
            fields = bullmq_producers.job_hash(job_id, name=name, timestamp=now - 60_000)
            if parent is not None:
                parent_key = f"{bullmq_producers.PREFIX}:{queue_of[parent]}:{parent}"
                fields["parentKey"] = parent_key
                queue_key = f"{bullmq_producers.PREFIX}:{queue_of[parent]}"
                fields["parent"] = json.dumps({"id": parent, "queueKey": queue_key})
                child_key = base + job_id
                if state in _FINISHED:
                    pipe.hset(f"{parent_key}:{_FINISHED[state]}", child_key, "null")
                else:
                    pipe.sadd(f"{parent_key}:dependencies", child_key)
            pipe.hset(base + job_id, mapping=fields)
            if state in ("active", "waiting"):
                pipe.lpush(base + ("active" if state == "active" else "wait"), job_id)
            else:
                pipe.zadd(base + state, {job_id: now})
        pipe.execute()
    finally:
        client.close()
