"""Queues that stress the layout: long ids and names, a big payload, a long failure and trace.

Written by hand the way BullMQ stores jobs (one pipeline), plus a Django Tasks queue seeded
through the framework and its worker. Used by the responsive browser tests.
"""

from __future__ import annotations

import json
import time

import redis

from tests import bullmq_producers

QUEUE = "emails"
#: Read-only in the browser tests' settings (tests/browser/server_settings.py).
LONG_QUEUE = "nightly-report-generation-for-every-customer-account"
LONG_ID = "order-2024-11-05-customer-88121-invoice-reminder-retry-chain"
LONG_NAME = "send-transactional-email-with-attachments-and-tracking"
BIG_ID = "payload-42"
FAILED_ID = "16"
WAITING_ID = "17"
#: Failed twice with different traces: once, then again after a retry by hand (1 allowed).
RETRIED_ID = "18"
#: Active, reporting an object progress with a percentage.
PROGRESS_ID = "progress-7"
PROGRESS = {"percentage": 64, "step": "rendering-pages", "page": 32, "pages": 50}
TASKS_QUEUE = "emails"

FAILURE = (
    "SMTPRecipientsRefused: {'someone.with.a.very.long.address@example-corporation.co.uk': "
    "(550, b'5.1.1 <someone.with.a.very.long.address@example-corporation.co.uk>: Recipient "
    "address rejected: User unknown in virtual mailbox table')}"
)
TRACE = "\n".join(
    [f"Error: {FAILURE}"]
    + [
        f"    at Object.sendMail (/srv/app/node_modules/nodemailer/lib/smtp-transport/index.js:"
        f"{line}:{line % 40})"
        for line in range(120, 150)
    ]
    + ["    at " + "processTicksAndRejections" * 8 + " (node:internal/process/task_queues:95:5)"]
)


def big_payload() -> str:
    """About 60 KB of JSON: nested objects, long words without spaces, long lists."""
    return json.dumps(
        {
            "to": ["someone.with.a.very.long.address@example-corporation.co.uk"] * 3,
            "attachment": "QmFzZTY0IGRhdGEgd2l0aG91dCBhbnkgc3BhY2Vz" * 60,
            "items": [
                {"sku": f"SKU-{n:05d}", "title": f"Item number {n}", "price": n * 1.25}
                for n in range(300)
            ],
            "nested": {"a": {"b": {"c": {"d": {"e": {"f": "deep" * 50}}}}}},
        },
        indent=2,
    )


def seed_bullmq(url: str) -> None:
    """Queue ``emails``: jobs in most states, some with long ids, names, failures and data;
    queue ``LONG_QUEUE`` with a few waiting jobs."""
    now = int(time.time() * 1000)
    base = f"{bullmq_producers.PREFIX}:{QUEUE}:"
    client = redis.Redis.from_url(url)
    try:
        pipe = client.pipeline(transaction=False)
        for name in (QUEUE, LONG_QUEUE):
            pipe.hset(f"{bullmq_producers.PREFIX}:{name}:meta", "opts.maxLenEvents", 10000)
            pipe.set(f"{bullmq_producers.PREFIX}:{name}:id", 100)

        def job(job_id: str, key: str, score: int | None, **fields: object) -> None:
            pipe.hset(base + job_id, mapping=bullmq_producers.job_hash(job_id, **fields))
            if score is None:
                pipe.lpush(base + key, job_id)
            else:
                pipe.zadd(base + key, {job_id: score})

        failed = {"processedOn": now - 90_000, "atm": 3, "opts": json.dumps({"attempts": 6})}
        for n in range(1, 12):
            job(
                str(n),
                "failed",
                now - 60_000 + n,
                name="send-email",
                timestamp=now - 100_000,
                finishedOn=now - 60_000 + n,
                failedReason=f"Connection timed out after 30000 ms ({n})",
                stacktrace=json.dumps([f"Error: Connection timed out\n    at connect ({n}:1)"]),
                **failed,
            )
        job(
            FAILED_ID,
            "failed",
            now - 1000,
            name=LONG_NAME,
            timestamp=now - 200_000,
            finishedOn=now - 1000,
            failedReason=FAILURE,
            stacktrace=json.dumps([TRACE, TRACE]),
            data=json.dumps({"to": "someone.with.a.very.long.address@example-corporation.co.uk"}),
            **failed,
        )
        job(
            LONG_ID,
            "failed",
            now - 500,
            name=LONG_NAME,
            timestamp=now - 300_000,
            finishedOn=now - 500,
            failedReason=FAILURE,
            stacktrace=json.dumps([TRACE]),
            **failed,
        )
        job(
            BIG_ID,
            "completed",
            now - 2000,
            name="render-invoice",
            timestamp=now - 10_000,
            processedOn=now - 8000,
            finishedOn=now - 2000,
            data=big_payload(),
            returnvalue=big_payload(),
            atm=1,
        )
        for n in range(20, 26):
            job(
                str(n),
                "completed",
                now - 30_000 + n,
                name="send-email",
                timestamp=now - 40_000,
                processedOn=now - 35_000,
                finishedOn=now - 30_000 + n,
                returnvalue=json.dumps({"messageId": f"<{n}@mail.example.com>"}),
                atm=1,
            )
        job("30", "active", None, name=LONG_NAME, processedOn=now - 4000, progress="42", atm=1)
        pipe.hset(base + "30", "attemptsMade", 1)
        job(WAITING_ID, "wait", None, name="send-email", data=json.dumps({"to": "a@example.com"}))
        job("31", "delayed", (now + 3_600_000) * 4096, name="send-digest", delay=3_600_000)
        pipe.rpush(base + f"{FAILED_ID}:logs", *[f"attempt {n}: {FAILURE}" for n in range(1, 4)])
        job(
            RETRIED_ID,
            "failed",
            now - 700,
            name="send-email",
            timestamp=now - 400_000,
            processedOn=now - 1500,
            finishedOn=now - 700,
            failedReason=FAILURE,
            stacktrace=json.dumps(
                [TRACE, "Error: Connection timed out\n    at connect (mail.js:1:1)"]
            ),
            atm=2,
            ats=2,
            opts=json.dumps({"attempts": 1, "fpof": True, "kl": 100, "removeOnFail": 500}),
        )
        job(
            PROGRESS_ID,
            "active",
            None,
            name="render-report",
            processedOn=now - 20_000,
            progress=json.dumps(PROGRESS),
            atm=0,
            ats=1,
        )
        long_base = f"{bullmq_producers.PREFIX}:{LONG_QUEUE}:"
        for n in range(1, 4):
            pipe.hset(long_base + str(n), mapping=bullmq_producers.job_hash(str(n)))
            pipe.lpush(long_base + "wait", str(n))
        pipe.execute()
    finally:
        client.close()


def seed_tasks() -> dict[str, list[str]]:
    """Django Tasks queue ``TASKS_QUEUE`` in every state (failed ones carry tracebacks)."""
    from tests.fixtures_tasks import seed_contract_queue

    return {state.value: ids for state, ids in seed_contract_queue(TASKS_QUEUE).items()}
