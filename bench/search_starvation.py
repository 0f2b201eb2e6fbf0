"""Can one staff user's searches starve every other client of the board's Redis? (issue 10, F10.1)

The attack: one staff user (no permission needed beyond seeing the board) runs 8 search loops
in parallel against the standalone board, each asking for a text that no job holds in a state
of 100,000 failed jobs, so every search reads its whole window (``SEARCH_SCAN_LIMIT``, 10,000
jobs). The victim: a second client of the same Redis (a separate process, as a worker or
another app would be) sends ``GET`` round trips one after the other and counts them.

Cases, each for the same number of seconds:

- **no attack**: the victim alone, its pace without an attack;
- **before**: the board at the commit before the fix (one script call per search, which holds
  Redis for its whole read, and no bound on searches);
- **with the bounds**: the board as it is, with its defaults (one search at a time per user,
  4 per process, 30 per user a minute; each search many short script calls);
- **slicing alone**: the board as it is with the per-user and rate bounds lifted (8 at a
  time, no rate), so all 8 loops search at once and only the time-slicing protects the victim.

The board runs under one daphne process (``common.start_board``'s way: bench settings, a
SQLite database in a temp dir, a staff user's session); "before" runs from a temporary
``git worktree`` of that commit. Redis' own figures come from ``INFO commandstats`` (``EVALSHA``
calls and time), ``INFO cpu`` (how much of the time Redis' main thread was running) and
``SLOWLOG`` (every command over 1 ms is logged: the number of ``EVALSHA`` calls over 10 ms,
and the longest). SLOWLOG times are Redis' wall clock: on a machine shared with other work
they include moments the OS ran something else, so a short call can be logged long.

    python bench/search_starvation.py [--seconds 15] [--before 31bed75^]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import common
import redis

QUEUE = "starve"
JOBS = 100_000
LOOPS = 8
PATH = f"/api/queues/bullmq/{QUEUE}/jobs?state=failed&q=no+job+holds+this"
#: The parent of the commit that time-sliced and bounded searches.
BEFORE = "31bed75^"
#: QUEUEBOARD overrides for "slicing alone", read by override_settings.py.
UNBOUNDED = {
    "SEARCH_CONCURRENCY_PER_USER": LOOPS,
    "SEARCH_CONCURRENCY": LOOPS,
    "SEARCH_RATE_LIMIT": 1_000_000,
}


# -- the victim: a separate process doing round trips -----------------------------------------


def victim(url: str, seconds: float, out: Any) -> None:
    client = redis.Redis.from_url(url)
    client.set("victim:key", "x")
    latencies = []
    deadline = time.perf_counter() + seconds
    while (now := time.perf_counter()) < deadline:
        client.get("victim:key")
        latencies.append(time.perf_counter() - now)
    client.close()
    latencies.sort()
    out.put(
        {
            "count": len(latencies),
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[int(0.99 * (len(latencies) - 1))] * 1000,
            "max": latencies[-1] * 1000,
        }
    )


# -- the attacker: 8 loops as one user ----------------------------------------------------------


def attack(port: int, session: str, stop: threading.Event, tally: dict[int, int]) -> None:
    client = common.HttpClient(port, session)
    lock = threading.Lock()
    try:
        while not stop.is_set():
            status, _ = client.get(PATH)
            with lock:
                tally[status] = tally.get(status, 0) + 1
    finally:
        client.close()


def main_thread_cpu(client: redis.Redis) -> float:
    """Seconds of CPU Redis' main thread (the one running commands) has used."""
    cpu = client.info("cpu")
    return float(cpu["used_cpu_sys_main_thread"]) + float(cpu["used_cpu_user_main_thread"])


def measure(url: str, seconds: float, port: int | None = None, session: str = "") -> dict[str, Any]:
    stats = redis.Redis.from_url(url)
    stats.config_set("slowlog-log-slower-than", 1000)
    stats.config_set("slowlog-max-len", 100_000)
    stats.slowlog_reset()
    stats.config_resetstat()
    cpu_before = main_thread_cpu(stats)
    queue: Any = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(
        target=victim, args=(url, seconds, queue)
    )
    stop, tallies = threading.Event(), [dict[int, int]() for _ in range(LOOPS)]
    loops = []
    if port is not None:
        loops = [
            threading.Thread(target=attack, args=(port, session, stop, tally), daemon=True)
            for tally in tallies
        ]
        for loop in loops:
            loop.start()
        time.sleep(1)  # the attack is under way before the victim starts counting
    started = time.perf_counter()
    process.start()
    result = queue.get(timeout=seconds + 60)
    process.join(30)
    stop.set()
    for loop in loops:
        loop.join(60)
    attack_seconds = time.perf_counter() - started + 1
    cpu = main_thread_cpu(stats) - cpu_before
    evalsha = stats.info("commandstats").get("cmdstat_evalsha", {})
    slow = [
        e["duration"] for e in stats.slowlog_get(100_000) if e["command"].startswith(b"EVALSHA")
    ]
    stats.config_set("slowlog-log-slower-than", 10_000)
    stats.close()
    statuses: dict[int, int] = {}
    for tally in tallies:
        for status, n in tally.items():
            statuses[status] = statuses.get(status, 0) + n
    return {
        **result,
        "per_second": result["count"] / seconds,
        "attack_seconds": attack_seconds,
        "redis_cpu_share": cpu / attack_seconds,
        "statuses": statuses,
        "evalsha_calls": int(evalsha.get("calls", 0)),
        "evalsha_ms": int(evalsha.get("usec", 0)) / 1000,
        "longest_evalsha_ms": max(slow) / 1000 if slow else None,
        "evalsha_over_10ms": sum(1 for duration in slow if duration > 10_000),
    }


# -- boards --------------------------------------------------------------------------------------


def board(
    stack: contextlib.ExitStack, url: str, root: Path, overrides: dict[str, Any] | None = None
) -> tuple[int, str]:
    """The board of the tree at ``root`` under one daphne: its port and a staff session."""
    env = common.temp_board_env(stack, url)
    env["PYTHONPATH"] = os.pathsep.join([str(root / "bench"), str(root)])
    if overrides is not None:
        env["DJANGO_SETTINGS_MODULE"] = "override_settings"
        env["PYTHONPATH"] = os.pathsep.join([str(common.BENCH), env["PYTHONPATH"]])
        env["BENCH_QUEUEBOARD"] = json.dumps(overrides)
    with common.step(f"migrating and logging in ({root.name})"):
        session = common.prepare_database(env, cwd=root)
    log = stack.enter_context(tempfile.TemporaryFile())  # each 429 is a logged warning
    with common.step("starting daphne"):
        port, _ = common.start_daphne_process(stack, env, stderr=log, cwd=root)
    return port, session


def worktree(stack: contextlib.ExitStack, ref: str) -> Path:
    directory = Path(tempfile.mkdtemp(prefix="qb-bench-before-"))
    shutil.rmtree(directory)
    git = ["git", "-C", str(common.ROOT)]
    subprocess.run([*git, "worktree", "add", "--detach", str(directory), ref], check=True)
    stack.callback(subprocess.run, [*git, "worktree", "remove", "--force", str(directory)])
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--before", default=BEFORE, help="the commit to measure as 'before'")
    args = parser.parse_args()

    with common.Stack() as stack:
        server = common.start_redis(stack)
        with common.step(f"writing {JOBS:,} failed jobs"):
            common.seed_many_failed(server.url, QUEUE, JOBS)
        cases: list[tuple[str, dict[str, Any]]] = []
        with common.step("no attack"):
            cases.append(("no attack", measure(server.url, args.seconds)))
        runs: list[tuple[str, Path, dict[str, Any] | None]] = [
            (f"before ({args.before})", worktree(stack, args.before), None),
            ("with the bounds (defaults)", common.ROOT, {}),
            ("slicing alone (8 at a time, no rate)", common.ROOT, UNBOUNDED),
        ]
        for label, root, overrides in runs:
            with contextlib.ExitStack() as boards:
                port, session = board(boards, server.url, root, overrides)
                with common.step(label):
                    cases.append((label, measure(server.url, args.seconds, port, session)))

        rows = []
        for label, found in cases:
            statuses = found["statuses"]
            searches = statuses.get(200, 0)
            rows.append(
                [
                    label,
                    f"{found['per_second']:,.0f}",
                    f"{found['p50']:.2f}",
                    f"{found['p99']:.2f}",
                    f"{found['max']:.1f}",
                    f"{searches / found['attack_seconds']:.1f}" if statuses else "—",
                    f"{statuses.get(429, 0):,}" if statuses else "—",
                    ", ".join(
                        f"{s}: {n}" for s, n in sorted(statuses.items()) if s not in (200, 429)
                    )
                    or "—",
                    f"{found['redis_cpu_share']:.0%}",
                    f"{found['evalsha_calls']:,}",
                    f"{found['evalsha_ms']:,.0f}",
                    f"{found['evalsha_over_10ms']:,}",
                    f"{found['longest_evalsha_ms']:.1f}" if found["longest_evalsha_ms"] else "< 1",
                ]
            )
        sections = [
            "## What was measured",
            "",
            __doc__.split("\n\n", 1)[1].rsplit("\n\n", 1)[0],
            "",
            f"Each case: {args.seconds:g} s of the victim's round trips; the attack starts 1 s "
            f"before and runs {LOOPS} loops of `GET {PATH}` as one staff user.",
            "",
            "## Results",
            "",
            *common.table(
                [
                    "case",
                    "victim round trips/s",
                    "victim p50 ms",
                    "victim p99 ms",
                    "victim max ms",
                    "searches answered/s",
                    "searches refused (429)",
                    "other answers",
                    "Redis main thread busy",
                    "EVALSHA calls",
                    "EVALSHA ms in all",
                    "EVALSHA calls over 10 ms",
                    "longest EVALSHA ms",
                ],
                rows,
            ),
            "",
            "Reading: before, the victim's round trips fell to a small fraction of their pace: "
            "each search held Redis for its whole read, and with 8 of them queued the victim "
            "waited behind them. "
            "With the bounds the victim keeps about the pace it has with no attack: one search "
            "of the user runs at a time (the other loops get a quick 429), a limited number per "
            "minute, each as many short calls. Slicing alone is not enough: each call is short, "
            "but with 8 searches running at once Redis has a search call to run before most of "
            "the victim's round trips; the concurrency bound is what keeps that from happening.",
            "",
            "On a machine shared with other work (see the load average above), Redis waits for "
            "a CPU inside its calls too: SLOWLOG and the EVALSHA times are wall clock and "
            "include those waits (the main thread's CPU share says how much it really ran). "
            "`tests/test_search_limits.py` measures each call's CPU time instead: a few ms.",
        ]
        result = common.write_result(
            "search_starvation",
            "Search starvation: a second Redis client under 8 search loops",
            sections,
            server.url,
        )
        print(f"wrote {result.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
