"""Retry 100,000 failed jobs: the board's bulk run against BullMQ's own ``retryJobs``.

One private redis-server. Before each run the database is flushed and one queue is seeded with
100,000 failed jobs as BullMQ leaves them (``common.seed_many_failed``: small hashes, the
``failed`` zset scored by finishedOn, meta, id, events). Targets, interleaved (the order rotates
each repeat, so load on the shared machine falls on all alike), each repeated:

- **ours, bulk run**: ``POST api/queues/bullmq/<q>/retry-all`` through Django's test ``Client``
  (in this process, logged in as a superuser; standalone board settings with only the BullMQ
  backend, SQLite in a temp dir), then joining the runner thread and reading the ``BulkRun``
  row as finished. Timed from the request to the row read as finished: permission check, count,
  audit entries, the runner thread with its own event loop and Redis connection, batches of
  ``BULK_BATCH_SIZE`` (one MULTI each: ZCOUNT + bullmq's moveJobsToWait + ZCOUNT) with
  progress saved to the database, with the cancel check, at most every 250 ms.
- **ours, queue_step loop**: ``backend.queue_step(q, RETRY_ALL, ...)`` in a loop with the same
  batch size, no database work; connection opened before the clock starts.
- **bullmq (Python)**: ``Queue(q).retryJobs({"state": "failed", "count": 1000})`` of the
  ``bullmq`` package installed in the venv; connection opened (PING) before the clock starts.
- **bullmq (Node)**: ``queue.retryJobs({state: "failed", count: 1000})`` of bullmq 6.7.0 from
  ``tests/node`` (``bench/retry_100k.mjs``), timed inside node after ``waitUntilReady``.

After every retry the script checks that all 100,000 ids are in ``wait`` exactly once and that
``failed`` (and every other state) is empty.

The longest single Redis call of each run comes from SLOWLOG: ``slowlog-log-slower-than 0``,
``slowlog-max-len`` 1,000,000, ``SLOWLOG RESET`` just before the clock starts, all entries read
after the run (the script's own observer connection excluded). The same for our clean of
100,000 completed jobs and empty of 100,000 waiting jobs through ``queue_step``.

Targets: ours (bulk run) at most 1.3x BullMQ's ``retryJobs`` time; no single Redis call over
50 ms.

    python bench/retry_100k.py [--jobs 100000] [--repeats 3] [--no-node]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import common
import redis

QUEUE = "retry-bench"
TARGET_RATIO = 1.3
TARGET_CALL_MS = 50.0
OBSERVER = "qb-bench-observer"
NODE_SCRIPT = common.BENCH / "retry_100k.mjs"
NODE_BULLMQ = common.ROOT / "tests" / "node" / "node_modules" / "bullmq"
POLL_S = 0.02
WARMUP_JOBS = 2_000
STATES = ("wait", "active", "paused", "prioritized", "delayed", "completed", "failed")

OURS_RUN = "ours: bulk run (API → BulkRun finished)"
OURS_STEP = "ours: queue_step loop"
PY_BULLMQ = "bullmq (Python) retryJobs"
NODE_BULLMQ_LABEL = "bullmq 6.7.0 (Node) retryJobs"


def key(name: str) -> str:
    return f"{common.PREFIX}:{QUEUE}:{name}"


# -- SLOWLOG -------------------------------------------------------------------------------------


def arm_slowlog(stats: redis.Redis) -> None:
    stats.config_set("slowlog-log-slower-than", 0)
    stats.config_set("slowlog-max-len", 1_000_000)
    stats.config_set("latency-monitor-threshold", 1)


def reset_monitors(stats: redis.Redis) -> None:
    stats.slowlog_reset()
    stats.execute_command("LATENCY", "RESET")


def read_slowlog(stats: redis.Redis) -> list[dict[str, Any]]:
    """Every entry since the last reset, oldest first, the observer's own commands left out."""
    entries = stats.slowlog_get(-1)
    return sorted(
        (e for e in entries if _text(e.get("client_name") or b"") != OBSERVER),
        key=lambda e: int(e["id"]),
    )


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def describe_command(command: Any) -> str:
    words = _text(command).split()
    if words[0].upper() in ("EVALSHA", "EVAL") and len(words) > 1:
        words[1] = words[1][:8] + "…"
    text = " ".join(words[:4])
    return text if len(words) <= 4 else text + " …"


def client_calls(entries: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """The calls clients made, as (description, microseconds), from SLOWLOG entries.

    Redis 7 logs the commands a script runs (client address ``?:0``) besides the script call,
    and logs the commands of a MULTI one by one when EXEC runs them, but not EXEC itself. So
    script-inner entries are dropped (the script's own entry already includes them), and the
    commands a client sends after MULTI are added up into one ``MULTI … EXEC`` call, up to its
    next MULTI: the server ran them in one go. (A command the client sent after EXEC and before
    its next MULTI would be added too, so a block can only be overstated.)
    """
    calls: list[list[Any]] = []
    open_block: dict[Any, int] = {}
    for entry in entries:
        address, duration = entry.get("client_address"), int(entry["duration"])
        if address == b"?:0":
            continue
        name = _text(entry["command"]).split(" ", 1)[0].upper()
        if name == "MULTI":
            open_block[address] = len(calls)
            calls.append(["MULTI", duration])
        elif address in open_block:
            block = calls[open_block[address]]
            block[0] += " · " + describe_command(entry["command"]).split(" ", 1)[0]
            block[1] += duration
        else:
            calls.append([describe_command(entry["command"]), duration])
    return [(text + " · EXEC" if text.startswith("MULTI") else text, us) for text, us in calls]


def latency_max_ms(stats: redis.Redis) -> int:
    """The latency monitor's worst command since the reset (EXEC included), in whole ms."""
    latest = stats.execute_command("LATENCY", "LATEST")
    worst = [int(row[3]) for row in latest if _text(row[0]) in ("command", "fast-command")]
    return max(worst, default=0)


def slowlog_summary(stats: redis.Redis) -> dict[str, Any]:
    worst = latency_max_ms(stats)  # before SLOWLOG GET, itself a long command
    calls = client_calls(read_slowlog(stats))
    ordered = sorted(calls, key=lambda c: -c[1])
    return {
        "calls": len(calls),
        "busy_ms": sum(us for _, us in calls) / 1000,
        "max_ms": ordered[0][1] / 1000 if ordered else 0.0,
        "top": [(text, us / 1000) for text, us in ordered[:3]],
        "latency_ms": worst,
    }


# -- data and checks -----------------------------------------------------------------------------


def seed(url: str, stats: redis.Redis, jobs: int, state: str) -> None:
    stats.flushall()
    if state == "failed":
        common.seed_many_failed(url, QUEUE, jobs)
        return
    client = redis.Redis.from_url(url)
    try:
        pipe = client.pipeline(transaction=False)
        common.seed_queue(pipe, QUEUE, jobs, states=[state])
        pipe.execute()
    finally:
        client.close()
    size = stats.llen(key("wait")) if state == "wait" else stats.zcard(key(state))
    assert size == jobs, (state, size)


def check_retried(stats: redis.Redis, jobs: int) -> None:
    """All ids in ``wait`` exactly once, every other state empty, hashes cleared of the failure."""
    ids = stats.lrange(key("wait"), 0, -1)
    expected = {str(n).encode() for n in range(1, jobs + 1)}
    assert len(ids) == jobs, f"wait holds {len(ids)} ids, not {jobs}"
    assert len(set(ids)) == jobs, "wait holds an id more than once"
    assert set(ids) == expected, "wait does not hold exactly the seeded ids"
    for name in STATES[1:]:
        size = stats.llen(key(name)) if name in ("active", "paused") else stats.zcard(key(name))
        assert size == 0, f"{name} still holds {size} jobs"
    pipe = stats.pipeline(transaction=False)
    for n in (1, jobs // 2, jobs):
        pipe.hmget(key(str(n)), "failedReason", "finishedOn", "name")
    for reason, finished, name in pipe.execute():
        assert reason is None and finished is None and name is not None


def check_deleted(stats: redis.Redis, state: str) -> None:
    size = stats.llen(key(state)) if state == "wait" else stats.zcard(key(state))
    assert size == 0, f"{state} still holds {size} jobs"
    left = [_text(k) for k in stats.scan_iter(match=key("*"), count=10_000)]
    jobs_left = [k for k in left if k.rsplit(":", 1)[-1].isdigit()]
    assert not jobs_left, f"{len(jobs_left)} job hashes left, e.g. {jobs_left[:3]}"


# -- the targets ---------------------------------------------------------------------------------


class StepClock:
    """Adds up the time spent inside ``backend.queue_step`` (the Redis work of a batch and the
    parsing of its reply), so a bulk run's time splits into steps and bookkeeping."""

    seconds = 0.0

    @classmethod
    def install(cls) -> None:
        from queues.backends import backends

        kind = type(backends["bullmq"])
        original = kind.queue_step

        async def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(self, *args, **kwargs)
            finally:
                cls.seconds += time.perf_counter() - started

        kind.queue_step = timed  # type: ignore[method-assign]


def ours_bulk_run(http: Any, stats: redis.Redis, jobs: int) -> dict[str, Any]:
    from queues.models import BulkRun

    reset_monitors(stats)
    StepClock.seconds = 0.0
    started = time.perf_counter()
    response = http.post(
        f"/api/queues/bullmq/{QUEUE}/retry-all", data="{}", content_type="application/json"
    )
    accepted = time.perf_counter() - started
    assert response.status_code == 202, (response.status_code, response.content[:300])
    run_id = json.loads(response.content)["run"]["id"]
    # Runs are done by the process's pool of bulk workers (queues/actions/run_pool.py).
    while BulkRun.objects.filter(pk=run_id).values_list("status", flat=True).get() in (
        BulkRun.Status.QUEUED,
        BulkRun.Status.RUNNING,
        BulkRun.Status.CANCELLING,
    ):
        time.sleep(POLL_S)
    elapsed = time.perf_counter() - started
    run = BulkRun.objects.get(pk=run_id)
    assert run.status == BulkRun.Status.FINISHED, (run.status, run.message)
    assert (run.expected, run.done, run.skipped, run.failed) == (jobs, jobs, 0, 0), run.message
    return {
        "seconds": elapsed,
        "batches": run.batches,
        "accepted_ms": accepted * 1000,
        "steps_s": StepClock.seconds,
    }


async def _step_loop(
    stats: redis.Redis, action: Any, params: Any, batch: int
) -> tuple[float, int, int]:
    from queues.backends import backends

    backend = backends["bullmq"]
    try:
        await backend.count_for(QUEUE, action, params)  # opens the connection
        reset_monitors(stats)
        started = time.perf_counter()
        done = calls = 0
        while True:
            step = await backend.queue_step(QUEUE, action, params, batch)
            done, calls = done + step.done, calls + 1
            assert not step.skipped and not step.failed, (step.skipped[:3], step.failed[:3])
            if step.finished:
                break
        return time.perf_counter() - started, done, calls
    finally:
        await backend.close()


def ours_step(stats: redis.Redis, jobs: int, action: Any, params: Any) -> dict[str, Any]:
    from queues.conf import setting

    batch = int(setting("BULK_BATCH_SIZE"))
    seconds, done, calls = asyncio.run(_step_loop(stats, action, params, batch))
    assert done == jobs, (done, jobs)
    return {"seconds": seconds, "batches": calls}


def ours_retry_step(stats: redis.Redis, jobs: int) -> dict[str, Any]:
    from queues.backends.actions import QueueAction, QueueActionParams
    from queues.states import JobState

    params = QueueActionParams(state=JobState.FAILED, cutoff_ms=int(time.time() * 1000))
    return ours_step(stats, jobs, QueueAction.RETRY_ALL, params)


async def _bullmq_python(url: str, stats: redis.Redis) -> float:
    from bullmq import Queue

    queue = Queue(QUEUE, {"connection": url, "prefix": common.PREFIX})
    try:
        await queue.client.ping()
        reset_monitors(stats)
        started = time.perf_counter()
        await queue.retryJobs({"state": "failed", "count": 1000})
        return time.perf_counter() - started
    finally:
        await queue.close()


def bullmq_python(url: str, stats: redis.Redis, jobs: int) -> dict[str, Any]:
    return {"seconds": asyncio.run(_bullmq_python(url, stats)), "batches": -(-jobs // 1000)}


def bullmq_node(url: str, stats: redis.Redis, jobs: int) -> dict[str, Any]:
    reset_monitors(stats)  # node's connection handshake falls in this run's SLOWLOG too
    out = subprocess.run(
        ["node", str(NODE_SCRIPT), url, QUEUE, "1000"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"node failed:\n{out.stderr}")
    ms = json.loads(out.stdout.strip().splitlines()[-1])["ms"]
    return {"seconds": ms / 1000, "batches": -(-jobs // 1000)}


# -- main ----------------------------------------------------------------------------------------


def node_available() -> bool:
    return shutil.which("node") is not None and (NODE_BULLMQ / "package.json").is_file()


def load1() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def run_measured(
    name: str, call: Callable[[], dict[str, Any]], stats: redis.Redis, check: Callable[[], None]
) -> dict[str, Any]:
    load = load1()
    with common.step(f"  {name}"):
        result = call()
    summary = slowlog_summary(stats)
    check()
    return {"target": name, "load": load, **result, **summary}


def fmt_top(top: list[tuple[str, float]]) -> str:
    return "<br>".join(f"`{command}` {ms:.2f} ms" for command, ms in top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-node", action="store_true", help="skip Node bullmq's retryJobs")
    args = parser.parse_args()
    jobs = args.jobs
    with_node = not args.no_node and node_available()

    with common.Stack() as stack:
        server = common.start_redis(stack)
        os.environ.update(common.temp_board_env(stack, server.url))
        os.environ["ALLOWED_HOSTS"] = "testserver"  # Django's test client

        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client

        from queues.backends.actions import QueueAction, QueueActionParams
        from queues.conf import setting
        from queues.states import JobState

        call_command("migrate", verbosity=0)
        user = get_user_model().objects.create_superuser("bench", password="bench")
        http = Client()
        http.force_login(user)
        stats = redis.Redis.from_url(server.url, client_name=OBSERVER)
        stack.callback(stats.close)
        arm_slowlog(stats)
        StepClock.install()

        targets: list[tuple[str, Callable[[int], dict[str, Any]]]] = [
            (OURS_RUN, lambda n: ours_bulk_run(http, stats, n)),
            (OURS_STEP, lambda n: ours_retry_step(stats, n)),
            (PY_BULLMQ, lambda n: bullmq_python(server.url, stats, n)),
        ]
        if with_node:
            targets.append((NODE_BULLMQ_LABEL, lambda n: bullmq_node(server.url, stats, n)))

        # One untimed round on a small queue: Django's first request, the scripts loaded into
        # Redis, imports and connections are one-off costs of a process, not of a retry.
        with common.step(f"warming up on {WARMUP_JOBS:,} jobs"):
            for _name, call in targets:
                seed(server.url, stats, WARMUP_JOBS, "failed")
                call(WARMUP_JOBS)
                check_retried(stats, WARMUP_JOBS)

        retries: list[dict[str, Any]] = []
        for repeat in range(args.repeats):
            order = targets[repeat % len(targets) :] + targets[: repeat % len(targets)]
            print(f"repeat {repeat + 1} of {args.repeats}", file=sys.stderr)
            for name, call in order:
                with common.step(f"  seeding {jobs:,} failed jobs"):
                    seed(server.url, stats, jobs, "failed")
                row = run_measured(
                    name, lambda c=call: c(jobs), stats, lambda: check_retried(stats, jobs)
                )
                retries.append({"repeat": repeat + 1, **row})

        removals: list[dict[str, Any]] = []
        clean = QueueActionParams(state=JobState.COMPLETED, grace_ms=0)
        empty = QueueActionParams(state=JobState.WAITING)
        for repeat in range(args.repeats):
            for name, state, action, params in (
                ("ours: clean completed (queue_step loop)", "completed", QueueAction.CLEAN, clean),
                ("ours: empty waiting (queue_step loop)", "wait", QueueAction.EMPTY, empty),
            ):
                with common.step(f"  seeding {jobs:,} {state} jobs"):
                    seed(server.url, stats, jobs, state)
                row = run_measured(
                    name,
                    lambda a=action, p=params: ours_step(stats, jobs, a, p),
                    stats,
                    lambda s=state: check_deleted(stats, s),
                )
                removals.append({"repeat": repeat + 1, **row})

        batch_size = int(setting("BULK_BATCH_SIZE"))
        sections = report(retries, removals, jobs, args.repeats, batch_size, with_node)
        path = common.write_result(
            "retry_100k", f"Retrying {jobs:,} failed jobs", sections, server.url
        )
        print(f"wrote {path}", file=sys.stderr)


def report(
    retries: list[dict[str, Any]],
    removals: list[dict[str, Any]],
    jobs: int,
    repeats: int,
    batch_size: int,
    with_node: bool,
) -> list[str]:
    names = list(dict.fromkeys(r["target"] for r in retries))
    medians = {
        n: statistics.median(r["seconds"] for r in retries if r["target"] == n) for n in names
    }
    longest = {n: max(r["max_ms"] for r in retries if r["target"] == n) for n in names}
    latency = {n: max(r["latency_ms"] for r in retries if r["target"] == n) for n in names}
    theirs = medians[PY_BULLMQ]
    ratio = medians[OURS_RUN] / theirs
    ratio_node = medians[OURS_RUN] / medians[NODE_BULLMQ_LABEL] if with_node else None
    ours_max = max(longest[OURS_RUN], longest[OURS_STEP])
    ours_latency = max(latency[OURS_RUN], latency[OURS_STEP])
    removal_names = list(dict.fromkeys(r["target"] for r in removals))
    removal_max = {n: max(r["max_ms"] for r in removals if r["target"] == n) for n in removal_names}
    removal_latency = {
        n: max(r["latency_ms"] for r in removals if r["target"] == n) for n in removal_names
    }

    def yes(ok: bool) -> str:
        return "yes" if ok else "**no**"

    summary_rows = []
    for name in names:
        rows = [r for r in retries if r["target"] == name]
        summary_rows.append(
            [
                name,
                f"{medians[name]:.2f}",
                f"{jobs / medians[name]:,.0f}",
                f"{medians[name] / theirs:.2f}x",
                statistics.median(r["calls"] for r in rows),
                f"{statistics.median(r['busy_ms'] for r in rows):.0f}",
                f"{longest[name]:.2f}",
                latency[name],
            ]
        )
    lines = [
        "## What was measured",
        "",
        f"{jobs:,} failed jobs in one queue, written as BullMQ leaves them "
        "(`common.seed_many_failed`: hashes with name, data, opts, timestamp, processedOn, "
        "finishedOn, failedReason, atm; the `failed` zset scored by finishedOn; meta, id, events). "
        "The database is flushed and the queue re-seeded before every run; runs of the targets "
        "are interleaved and their order rotates each repeat. Each retry is checked afterwards: "
        f"all {jobs:,} ids in `wait` exactly once, `failed` and every other state empty, the "
        "failure fields gone from the hashes.",
        "",
        f"- **{OURS_RUN}**: `POST api/queues/bullmq/{QUEUE}/retry-all` through Django's test "
        "`Client` in this process (superuser, standalone settings with only the BullMQ backend, "
        "SQLite file), then the runner thread joined and the `BulkRun` row read as finished "
        "(joined rather than polled: SQLite readers make the runner's UPDATEs wait). Includes the "
        "permission check, the count, the audit entries, the runner thread's own event loop and "
        f"Redis connection, and per batch of {batch_size} (`BULK_BATCH_SIZE`) one MULTI "
        "(ZCOUNT + bullmq's `moveJobsToWait` + ZCOUNT), and a progress UPDATE carrying the "
        "cancel check in SQLite at most every 250 ms.",
        f"- **{OURS_STEP}**: `backend.queue_step(q, RETRY_ALL, …, {batch_size})` until finished, "
        "no database; connection opened before the clock starts.",
        f'- **{PY_BULLMQ}**: `Queue(q).retryJobs({{"state": "failed", "count": 1000}})` of '
        "the Python `bullmq` package in the venv (its loop of `moveJobsToWait` calls, 1000 jobs "
        "each); connection opened before the clock starts.",
    ]
    if with_node:
        lines.append(
            f"- **{NODE_BULLMQ_LABEL}**: `queue.retryJobs({{state: 'failed', count: 1000}})` "
            "(`bench/retry_100k.mjs`, `tests/node`'s bullmq), timed inside node after "
            "`waitUntilReady`."
        )
    lines += [
        "",
        "*Redis calls*, *Redis busy* and *longest call* come from SLOWLOG with "
        "`slowlog-log-slower-than 0` and `slowlog-max-len 1000000`, reset just before the clock "
        "starts and read in full after the run (the script's observer connection left out). "
        "Redis 7.0 logs the commands a script runs besides the script call, and the commands of "
        "a MULTI one by one but not EXEC: entries from inside scripts (address `?:0`) are "
        "dropped, and the commands a client sends after MULTI are added up into one "
        "`MULTI … EXEC` call (the server runs them in one go). *Redis calls* is then the number "
        "of calls clients made, *Redis busy* the sum of their durations, *longest call* the "
        "largest. As a cross-check the latency monitor (`latency-monitor-threshold 1`, "
        "`LATENCY RESET` with the SLOWLOG) reports the worst command including EXEC, in whole "
        "ms (*LATENCY max*). For Node the connection handshake falls inside the window too. "
        "Logging every command (script-inner ones included) makes every script slower than it "
        "would be otherwise, for all targets alike. On a loaded machine a call's duration also "
        "includes the time the redis-server process waited for a CPU; see the load column.",
        "",
        "## Retry: medians",
        "",
        *common.table(
            [
                "target",
                f"median of {repeats} (s)",
                "jobs/s",
                f"vs {PY_BULLMQ}",
                "Redis calls",
                "Redis busy (ms)",
                "longest call, worst run (ms)",
                "LATENCY max (ms)",
            ],
            summary_rows,
        ),
        "",
        f"- Ours (bulk run) / BullMQ Python `retryJobs`: **{ratio:.2f}x** (target ≤ "
        f"{TARGET_RATIO}x): {yes(ratio <= TARGET_RATIO)}.",
    ]
    if ratio_node is not None:
        lines.append(
            f"- Ours (bulk run) / BullMQ Node `retryJobs`: **{ratio_node:.2f}x** (target ≤ "
            f"{TARGET_RATIO}x): {yes(ratio_node <= TARGET_RATIO)}."
        )
    runs = [r for r in retries if r["target"] == OURS_RUN]
    steps = statistics.median(r["steps_s"] for r in runs)
    accepted = statistics.median(r["accepted_ms"] for r in runs)
    lines += [
        f"- Of the bulk run's median {medians[OURS_RUN]:.2f} s, {steps:.2f} s (median) are spent "
        f"inside `queue_step` (Redis and the parsing of its replies); the request is answered "
        f"(202) in {accepted:.0f} ms (median).",
        f"- Ours (queue_step loop) / BullMQ Python `retryJobs`: "
        f"{medians[OURS_STEP] / theirs:.2f}x; the bulk run's bookkeeping (request, count, audit, "
        f"thread, SQLite per batch) adds {medians[OURS_RUN] - medians[OURS_STEP]:.2f} s "
        "(median against median).",
        f"- Longest single Redis call during our retries: **{ours_max:.2f} ms** (latency "
        f"monitor: {ours_latency} ms; target ≤ {TARGET_CALL_MS:g} ms): "
        f"{yes(max(ours_max, ours_latency) <= TARGET_CALL_MS)}.",
        "",
        "## Retry: every run",
        "",
        *common.table(
            [
                "repeat",
                "target",
                "load (1 min)",
                "time (s)",
                "in queue_step (s)",
                "202 after (ms)",
                "batches",
                "Redis calls",
                "Redis busy (ms)",
                "LATENCY max (ms)",
                "longest 3 calls",
            ],
            [
                [
                    r["repeat"],
                    r["target"],
                    r["load"],
                    f"{r['seconds']:.2f}",
                    f"{r['steps_s']:.2f}" if "steps_s" in r else "",
                    f"{r['accepted_ms']:.0f}" if "accepted_ms" in r else "",
                    r["batches"],
                    r["calls"],
                    f"{r['busy_ms']:.0f}",
                    r["latency_ms"],
                    fmt_top(r["top"]),
                ]
                for r in retries
            ],
        ),
        "",
        f"## Clean and empty of {jobs:,} jobs through `queue_step`",
        "",
        f"Seeded with `common.seed_queue` ({jobs:,} completed jobs, or {jobs:,} waiting jobs, "
        "full BullMQ hashes). Clean: state completed, grace 0; empty: the waiting jobs. "
        f"`queue_step` with batch {batch_size}, which our backend caps at 250 deletions per "
        "script call. Checked afterwards: the state is empty and no job hash is left.",
        "",
        *common.table(
            [
                "repeat",
                "action",
                "load (1 min)",
                "time (s)",
                "steps",
                "Redis calls",
                "Redis busy (ms)",
                "LATENCY max (ms)",
                "longest 3 calls",
            ],
            [
                [
                    r["repeat"],
                    r["target"],
                    r["load"],
                    f"{r['seconds']:.2f}",
                    r["batches"],
                    r["calls"],
                    f"{r['busy_ms']:.0f}",
                    r["latency_ms"],
                    fmt_top(r["top"]),
                ]
                for r in removals
            ],
        ),
        "",
    ]
    for name in removal_names:
        worst, monitor = removal_max[name], removal_latency[name]
        lines.append(
            f"- {name}: longest single Redis call **{worst:.2f} ms** (latency monitor: "
            f"{monitor} ms; target ≤ {TARGET_CALL_MS:g} ms): "
            f"{yes(max(worst, monitor) <= TARGET_CALL_MS)}."
        )
    return lines


if __name__ == "__main__":
    main()
