"""RQ actions on 100,000 jobs: the longest single Redis call of each, and the total time.

One private redis-server. Jobs are written with RQ's own classes (``Job.create`` + ``save``,
the registries' ``add``/``schedule``, ``Queue.push_job_id``), in pipelines, exactly as RQ
leaves them: failed (``rq:failed:<q>``, ended_at set), queued (``rq:queue:<q>``), scheduled
(``rq:scheduled:<q>``). Then, through ``RQBackend`` (``queue_step`` and ``act_on_jobs``, no
database work), each action runs to its end with the board's default batch (1,000 asked, at
most ``STEP_CAP`` = 100 per step):

- retry all of 100,000 failed jobs; empty the 100,000 queued jobs that made;
- promote all of 100,000 scheduled jobs; clean 100,000 failed jobs (grace 0);
- cancel and remove a selection of 1,000 queued jobs at the *tail* of a 100,000-job queue
  (the worst case of the per-job ``LREM``): as many ids per script call as keep its
  LREMs to 100,000 list entries read (one id per call past that).

Script calls and their mean time come from INFO commandstats; the longest single call from
SLOWLOG (calls of 0.5 ms or more, reset before each action; a script's inner commands, logged one
by one, would otherwise fill it). Target: no call over 50 ms.

    python bench/rq_actions.py [--jobs 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from typing import Any

import common
import redis

QUEUE = "rq-bench"
TARGET_CALL_MS = 50.0
OBSERVER = "qb-bench-observer"
#: SLOWLOG keeps calls of at least this long (a script's inner commands, logged one by one,
#: would otherwise fill it).
LOGGED_US = 500
BATCH = 1000
SELECTION = 1000


def write_jobs(url: str, count: int, kind: str) -> list[str]:
    """``count`` jobs of ``kind`` (failed, queued, scheduled), written by RQ's own classes."""
    from datetime import UTC, datetime, timedelta

    from rq import Queue
    from rq.job import Job, JobStatus
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry

    connection = redis.Redis.from_url(url)
    queue = Queue(QUEUE, connection=connection)
    failed = FailedJobRegistry(QUEUE, connection=connection)
    scheduled = ScheduledJobRegistry(QUEUE, connection=connection)
    ids = [f"{kind}-{n}" for n in range(count)]
    later = datetime.now(UTC) + timedelta(hours=1)
    for start in range(0, count, 5_000):
        with connection.pipeline() as pipe:
            for job_id in ids[start : start + 5_000]:
                job = Job.create("tests.rq_action_tasks.record", args=(job_id,), id=job_id,
                                 connection=connection, origin=QUEUE)  # fmt: skip
                if kind == "failed":
                    job._status = JobStatus.FAILED
                    job.ended_at = datetime.now(UTC)
                    job.save(pipeline=pipe)
                    failed.add(job, ttl=31_536_000, pipeline=pipe)
                elif kind == "scheduled":
                    job._status = JobStatus.SCHEDULED
                    job.save(pipeline=pipe)
                    pipe.zadd(scheduled.key, {job_id: later.timestamp()})
                else:
                    job._status = JobStatus.QUEUED
                    job.save(pipeline=pipe)
                    queue.push_job_id(job_id, pipeline=pipe)
            pipe.sadd("rq:queues", queue.key)
            pipe.execute()
    return ids


def script_calls(stats: redis.Redis) -> list[int]:
    """The durations (µs) of the script calls of at least ``LOGGED_US`` since the last reset
    (SLOWLOG; shorter ones are counted by ``script_stats``)."""
    return [
        int(e["duration"])
        for e in stats.slowlog_get(-1)
        if (e.get("client_name") or b"") != OBSERVER.encode()
        and e.get("client_address") != b"?:0"
        and bytes(e["command"]).upper().startswith(b"EVALSHA")
    ]


def script_stats(stats: redis.Redis) -> tuple[int, int]:
    """Script calls and their microseconds in all so far (INFO commandstats)."""
    info = stats.info("commandstats")
    rows = [info.get(f"cmdstat_{name}", {}) for name in ("evalsha", "eval")]
    return sum(int(r.get("calls", 0)) for r in rows), sum(int(r.get("usec", 0)) for r in rows)


def describe(calls: int, usec: int, slow: list[int]) -> tuple[str, str, str]:
    """Script calls, their mean and the longest, in ms."""
    if not calls:
        return "0", "-", "-"
    longest = max(slow) / 1000 if slow else LOGGED_US / 1000
    return f"{calls:,}", f"{usec / calls / 1000:.1f}", f"{longest:.1f}"


async def run_steps(backend: Any, action: Any, params: Any) -> tuple[int, int]:
    done = steps = 0
    while True:
        outcome = await backend.queue_step(QUEUE, action, params, BATCH)
        done, steps = done + outcome.done, steps + 1
        if outcome.finished:
            await backend.close()
            return done, steps


async def run_selection(backend: Any, action: Any, ids: list[str]) -> tuple[int, int]:
    outcome = await backend.act_on_jobs(QUEUE, action, ids)
    await backend.close()
    return outcome.done, 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rq_bench_settings")
    with common.Stack() as stack:
        server = common.start_redis(stack)
        os.environ["RQ_REDIS_URL"] = server.url
        import django

        django.setup()
        from queues.backends.actions import JobAction, QueueAction, QueueActionParams
        from queues.backends.rq import RQBackend
        from queues.states import JobState

        stats = redis.Redis.from_url(server.url)
        stats.client_setname(OBSERVER)
        stats.config_set("slowlog-log-slower-than", LOGGED_US)
        stats.config_set("slowlog-max-len", 1_000_000)
        backend = RQBackend("rq", {"BACKEND": "queues.backends.rq.RQBackend",
                                   "OPTIONS": {"url": server.url}})  # fmt: skip
        n = args.jobs
        plan = [
            ("retry all failed", "failed", QueueAction.RETRY_ALL, None),
            ("empty (the queued jobs retry all made)", None, QueueAction.EMPTY,
             QueueActionParams(state=JobState.WAITING)),
            ("promote all scheduled", "scheduled", QueueAction.PROMOTE_ALL,
             QueueActionParams(state=JobState.DELAYED)),
            ("empty", None, QueueAction.EMPTY, QueueActionParams(state=JobState.WAITING)),
            ("clean failed (grace 0)", "failed", QueueAction.CLEAN,
             QueueActionParams(state=JobState.FAILED)),
        ]  # fmt: skip
        rows = []
        for label, seed, action, params in plan:
            if seed:
                with common.step(f"writing {n} {seed} jobs"):
                    write_jobs(server.url, n, seed)
            if params is None:  # retry all: every job that failed before the run starts
                params = QueueActionParams(state=JobState.FAILED, cutoff_ms=int(time.time() * 1000))
            stats.slowlog_reset()
            calls_before, usec_before = script_stats(stats)
            started = time.perf_counter()
            done, _steps = asyncio.run(run_steps(backend, action, params))
            total = time.perf_counter() - started
            calls, usec = script_stats(stats)
            figures = describe(calls - calls_before, usec - usec_before, script_calls(stats))
            rows.append((label, f"{done:,}", figures[0], f"{total:.2f}", *figures[1:]))
        for action in (JobAction.CANCEL, JobAction.REMOVE):
            stats.flushall()
            with common.step(f"writing {n} queued jobs"):
                ids = write_jobs(server.url, n, "queued")
            tail = ids[-SELECTION:]
            stats.slowlog_reset()
            calls_before, usec_before = script_stats(stats)
            started = time.perf_counter()
            done, _ = asyncio.run(run_selection(backend, action, tail))
            total = time.perf_counter() - started
            calls, usec = script_stats(stats)
            figures = describe(calls - calls_before, usec - usec_before, script_calls(stats))
            label = f"{action.value} {SELECTION:,} queued jobs at the tail of {n:,}"
            rows.append((label, f"{done:,}", figures[0], f"{total:.2f}", *figures[1:]))
        worst_all = max(float(row[5]) for row in rows if row[5] != "-")
        mean_all = max(float(row[4]) for row in rows if row[4] != "-")
        verdict = "met" if worst_all <= TARGET_CALL_MS else "NOT met"
        sections = [
            f"{n:,} jobs per action; batch asked {BATCH:,} (the board's BULK_BATCH_SIZE), at "
            "most 100 per step; selections at most 100 ids per script call, fewer on a long "
            "queue (cancel and remove: 100,000 list entries read per call at most).",
            "",
            *common.table(
                [
                    "action",
                    "jobs done",
                    "script calls",
                    "total s",
                    "mean call ms",
                    "longest call ms",
                ],
                rows,
            ),
            "",
            f"Target: no single Redis call over {TARGET_CALL_MS:.0f} ms — {verdict} "
            f"(longest: {worst_all:.1f} ms; highest mean: {mean_all:.1f} ms). The longest "
            "calls move with the machine's load (see the load average above): a call is one "
            "script, so a preempted redis-server shows in it whole.",
        ]
        path = common.write_result("rq_actions", "RQ actions on 100,000 jobs", sections, server.url)
        print(path.read_text())


if __name__ == "__main__":
    main()
