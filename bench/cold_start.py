"""First overview after a restart on a Redis holding 10 million keys, with and without the kept
queue list.

One private redis-server gets ``DEBUG POPULATE`` keys (``key:<n>``, none of them BullMQ's) and
100 BullMQ queues (a few jobs per state). The standalone board (BullMQ backend only) runs under
one daphne process, logged in as a staff user, on one SQLite file kept across its restarts.

- **kept list**: a board is started once, its first scan stores the queue list in Redis
  (``<prefix>:queueboard:queues``); then it is stopped and started again ``--restarts`` times,
  and the first ``GET /`` of each new process is timed. These restarts run with
  ``discovery_refresh`` 0, so each restarted process also starts its one background scan while
  that first overview is served: the worst case, the scan competing for Redis and the CPU.
- **without the kept list** (the board before it, for comparison): ``discovery_ttl`` 0, the first
  overview of a fresh process waits for the full SCAN, as every first overview did before.
- **no list kept yet** (the very first start of a board on that Redis): the overview answers once
  ``Discovery.first_wait`` runs out, saying the queue list is being refreshed.

Target: the first overview after a restart within 0.5 s, listing all 100 queues.

    python bench/cold_start.py [--keys 10000000] [--queues 100] [--restarts 5]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import common
import redis

from tests.redis_server import RedisServer, free_port

TARGET = 0.5
KEPT = f"{common.PREFIX}:queueboard:queues"


def start_debug_redis(stack: contextlib.ExitStack) -> RedisServer:
    """A private redis-server that accepts ``DEBUG POPULATE`` (off by default since Redis 7)."""
    server = RedisServer(port=free_port(), directory=Path(tempfile.mkdtemp(prefix="qb-cold-")))
    stack.callback(shutil.rmtree, server.directory, True)
    server.start("--enable-debug-command", "yes")
    stack.callback(server.stop)
    return server


def first_overview(
    stack: contextlib.ExitStack,
    env: dict[str, str],
    session: str,
    options: dict[str, Any],
    warm: bool,
) -> tuple[float, bytes, Any]:
    """Seconds of the first ``GET /`` of a freshly started daphne, its body and its process;
    ``warm``: after one ``GET /healthz`` (Django's lazy imports, the session and user lookups
    done), so that the time is the overview's own with cold queue discovery."""
    env = {**env, "BENCH_BULLMQ_OPTIONS": json.dumps(options)}
    port, process = common.start_daphne_process(stack, env)
    client = common.HttpClient(port, session)
    try:
        if warm:  # the process's own first-request work, which touches no backend
            status, body = client.get("/healthz")
            if status != 200:
                raise RuntimeError(f"GET /healthz answered {status}: {body[:300]!r}")
        started = time.perf_counter()
        status, body = client.get("/")
        seconds = time.perf_counter() - started
    finally:
        client.close()
    if status != 200:
        raise RuntimeError(f"GET / answered {status}: {body[:300]!r}")
    return seconds, body, process


def listed(body: bytes, names: list[str]) -> int:
    return sum(f"/queue/bullmq/{name}/".encode() in body for name in names)


def wait_for_kept(client: redis.Redis, timeout: float = 600) -> float:
    started = time.monotonic()
    while not client.exists(f"{KEPT}:scanned"):
        if time.monotonic() - started > timeout:
            raise RuntimeError("The board did not store the queue list.")
        time.sleep(0.1)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=10_000_000)
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--restarts", type=int, default=5)
    args = parser.parse_args()
    names = [f"queue-{index:03d}" for index in range(args.queues)]
    with common.Stack() as stack:
        server = start_debug_redis(stack)
        client = redis.Redis.from_url(server.url, socket_timeout=900)  # POPULATE takes a while
        with common.step(f"DEBUG POPULATE {args.keys:,}"):
            client.execute_command("DEBUG", "POPULATE", args.keys)
        with common.step(f"seeding {args.queues} BullMQ queues"):
            common.seed_queues(server.url, names, per_state=2)
        keys = int(client.dbsize())
        memory = str(client.info("memory")["used_memory_human"])
        os_env = common.temp_board_env(stack, server.url)
        os_env["DJANGO_SETTINGS_MODULE"] = "cold_start_settings"
        with common.step("migrating and logging in"):
            session = common.prepare_database(os_env)

        cases: dict[tuple[str, bool], list[float]] = {}
        for warm in (True, False):
            with common.step(f"without the kept list, warm={warm}: waits for the SCAN"):
                for _ in range(2):
                    client.delete(KEPT, f"{KEPT}:scanned", f"{KEPT}:lock")
                    seconds, body, process = first_overview(
                        stack, os_env, session, {"discovery_ttl": 0}, warm
                    )
                    common.stop_process(process)
                    assert listed(body, names) == args.queues, "the scan missed queues"
                    cases.setdefault(("before", warm), []).append(seconds)
        client.delete(KEPT, f"{KEPT}:scanned", f"{KEPT}:lock")

        with common.step("first start, nothing kept: the overview says it is refreshing"):
            first_start, body, process = first_overview(stack, os_env, session, {}, True)
            refreshing = b"Refreshing the queue list" in body
            scan_seconds = first_start + wait_for_kept(client)
            common.stop_process(process)

        for warm in (True, False):
            with common.step(f"{args.restarts} restarts from the kept list, warm={warm}"):
                for _ in range(args.restarts):
                    seconds, body, process = first_overview(
                        stack, os_env, session, {"discovery_refresh": 0}, warm
                    )
                    shown = listed(body, names)
                    common.stop_process(process)
                    if shown != args.queues:
                        raise RuntimeError(f"the restarted board listed {shown} queues")
                    cases.setdefault(("kept", warm), []).append(seconds)

        restarts = cases[("kept", True)]
        worst = max(restarts)
        passed = worst <= TARGET
        labels = {
            ("kept", True): "kept list, after one `GET /healthz` (target)",
            ("kept", False): "kept list, the process's very first request",
            ("before", True): "without the kept list, after one `GET /healthz`",
            ("before", False): "without the kept list, the process's very first request",
        }
        rows = [
            [
                label,
                f"{statistics.median(cases[case]) * 1000:.0f}",
                f"{max(cases[case]) * 1000:.0f}",
                len(cases[case]),
            ]
            for case, label in labels.items()
        ]
        sections = [
            f"- Redis: {keys:,} keys ({args.keys:,} from DEBUG POPULATE, the rest {args.queues} "
            f"BullMQ queues), {memory} used",
            "",
            "## First `GET /` of a freshly started board process",
            "",
            *common.table(["case", "median ms", "max ms", "runs"], rows),
            "",
            f"- Very first start, nothing kept yet: the overview answered in "
            f"{first_start * 1000:.0f} ms and "
            + ("said it is refreshing the queue list" if refreshing else "listed the queues")
            + f"; the first full scan stored the list {scan_seconds:.1f} s after the start.",
            f"- Target: first overview after a restart ≤ {TARGET * 1000:.0f} ms: "
            + ("**met**" if passed else "**missed**")
            + f" (worst of {len(restarts)}: {worst * 1000:.0f} ms).",
            "- Kept list: each restart runs with `discovery_refresh` 0, so the new process also "
            "starts its one background scan while it serves that first overview (the worst "
            "case). Without the kept list: `discovery_ttl` 0, the first overview waits for the "
            "full SCAN, as every board's first overview did before the list was kept.",
            "- \"After one `GET /healthz`\": the process's own first-request work (Django's lazy "
            "imports, session and user lookups) done first, so the time is the overview's with "
            'cold queue discovery; "very first request" includes that work too.',
        ]
        path = common.write_result(
            "cold_start", "Cold start: first overview after a restart", sections, server.url
        )
        print(path.read_text(encoding="utf-8"))
        return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
