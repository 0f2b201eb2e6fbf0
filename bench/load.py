"""Load: WebSocket viewers, page and API requests and real BullMQ workers at once, for 60 s
(issue 5, item 6).

One daphne process serves the board (``fault_settings``: both backends, DEBUG off); a private
redis-server holds the queues. For ``--seconds`` seconds, all at once:

- ``--viewers`` WebSocket viewers (``bench/fault_ws.py``), spread over the overview, a queue page
  and a job page, each counting the messages it receives;
- ``--rate`` HTTP requests per second, open loop (one every 1/rate s, whatever the answers do),
  cycling through the overview, a queue page, ``api/queues`` and a job page;
- a Node producer (``bench/node/load_producer.mjs``, ``Queue.addBulk``) adding ``--jobs`` jobs
  per second and a Node worker (``tests/node/worker.mjs``, concurrency 50) processing them.

Reports errors (any answer but 200, any refused or dropped WebSocket), p50/p99 latency, jobs
processed per second, daphne's RSS before, during and after, and the load average. Writes
``results/load.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import redis
from common import NODE_DIR, ROOT, Stack, seed_queues, start_redis, step, table, write_result
from fault_board import Answer, Board, fault_env, median, percentile, rss_mib, start_board
from fault_ws import WsClient, WsClosed

from tests.fixtures_bullmq import ensure_node_modules, stop_worker

LOAD_QUEUE = "load"
RECORD_KEY = "load:processed"
#: HTTP connections at most in flight (threads), the longest wait for an answer, and how late a
#: request may start before it is counted as not sent (which bounds the run's length).
CLIENTS = 64
REQUEST_TIMEOUT = 10.0
MAX_LAG = 2.0
TARGETS = {
    "overview": "/",
    "queue page": "/queue/bullmq/mail/?state=failed",
    "api/queues": "/api/queues",
    "job page": "/queue/bullmq/mail/job/105/",
    "load queue page": f"/queue/bullmq/{LOAD_QUEUE}/?state=completed",
}
WS_ROUTES = {
    "overview": ("/ws/", 0.5),
    "queue page": (f"/ws/queue/bullmq/{LOAD_QUEUE}/", 0.3),
    "job page": ("/ws/queue/bullmq/mail/job/105/", 0.2),
}


def start_node(stack: Any, args: list[str], cwd: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        ["node", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd
    )
    stack.callback(stop_worker, process)
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != "ready":
        process.kill()
        raise RuntimeError(f"node {args[0]} did not start: {line}{process.stderr.read()[-2000:]}")
    return process


async def run_load(
    board: Board, args: argparse.Namespace, start_workers: Any, processed_now: Any
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    viewers: list[tuple[str, WsClient]] = []
    refused: Counter[str] = Counter()
    routes = [
        name for name, (_p, share) in WS_ROUTES.items() for _ in range(round(share * args.viewers))
    ][: args.viewers]
    connect_started = time.monotonic()
    for start in range(0, len(routes), 20):  # 20 handshakes at a time
        chunk = routes[start : start + 20]
        results = await asyncio.gather(
            *(WsClient.connect(board.port, WS_ROUTES[n][0], board.session) for n in chunk),
            return_exceptions=True,
        )
        for name, result in zip(chunk, results, strict=True):
            if isinstance(result, BaseException):
                refused[f"{name}: {type(result).__name__}"] += 1
            elif result[1] is None:
                refused[f"{name}: HTTP {result[0]}"] += 1
            else:
                viewers.append((name, result[1]))
    connect_seconds = time.monotonic() - connect_started
    rss_connected = rss_mib(board.pid)
    workers = await asyncio.to_thread(start_workers)

    closed: Counter[str] = Counter()
    began = time.monotonic()
    until = began + args.seconds

    async def listen(name: str, client: WsClient) -> None:
        try:
            await client.listen(until)
        except WsClosed:
            closed[name] += 1

    listeners = [asyncio.create_task(listen(n, c)) for n, c in viewers]
    pool = ThreadPoolExecutor(max_workers=CLIENTS)
    results: list[tuple[str, Answer]] = []
    names = list(TARGETS)

    def request(name: str, due: float) -> None:
        if time.monotonic() - due > MAX_LAG:  # the client pool is full: the board is behind
            late.append(name)
            return
        results.append((name, board.get(TARGETS[name], timeout=REQUEST_TIMEOUT)))

    futures = []
    late: list[str] = []
    rss_samples = []
    total = int(args.rate * args.seconds)
    for n in range(total):  # open loop: request n is due at began + n / rate
        due = began + n / args.rate
        if (wait := due - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        futures.append(loop.run_in_executor(pool, request, names[n % len(names)], due))
        if n % int(args.rate * 5) == 0:
            rss_samples.append(rss_mib(board.pid))
    sent_seconds = time.monotonic() - began
    processed_in_window = await asyncio.to_thread(processed_now)
    await asyncio.gather(*futures)
    await asyncio.gather(*listeners)
    ended = time.monotonic()
    rss_end = rss_mib(board.pid)
    for _name, client in viewers:
        client.close()
    pool.shutdown()
    return {
        "viewers": viewers,
        "refused": refused,
        "closed": closed,
        "connect_seconds": connect_seconds,
        "rss_connected": rss_connected,
        "rss_samples": rss_samples,
        "rss_end": rss_end,
        "results": results,
        "late": late,
        "processed_in_window": processed_in_window,
        "sent_seconds": sent_seconds,
        "began": began,
        "ended": ended,
        "workers": workers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50, help="HTTP requests per second")
    parser.add_argument("--jobs", type=int, default=500, help="jobs added per second")
    parser.add_argument("--concurrency", type=int, default=50, help="of the Node worker")
    parser.add_argument(
        "--warmup-seconds",
        type=float,
        default=30,
        help="the same load first, unmeasured, so that memory is compared in a steady state",
    )
    args = parser.parse_args()
    ensure_node_modules()
    with Stack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix="qb-load-"))
        stack.callback(__import__("shutil").rmtree, tmp, True)
        server = start_redis(stack)
        seed_queues(server.url, ["mail", "reports", "billing"], 20)
        env = fault_env(server.url, tmp / "board.sqlite3", DAPHNE_LOG=str(tmp / "daphne.log"))
        with step("starting the board"):
            board = start_board(stack, env, tasks=5)
        client = redis.Redis.from_url(server.url)
        stack.callback(client.close)
        # The load queue exists (meta) before the viewers subscribe to it.
        client.hset(f"bull:{LOAD_QUEUE}:meta", mapping={"opts.maxLenEvents": "10000"})
        for path in TARGETS.values():  # warm up: imports, templates, discovery
            for _ in range(3):
                answer = board.get(path)
                if answer.status != 200:
                    raise RuntimeError(f"GET {path} answered {answer.status} before the load.")
        rss_cold = rss_mib(board.pid)
        counts_before: dict[str, int] = {}

        def start_workers(seconds: float) -> dict[str, Any]:
            worker = start_node(
                stack,
                [
                    str(ROOT / "tests/node/worker.mjs"),
                    server.url,
                    LOAD_QUEUE,
                    str(args.concurrency),
                    "0",
                    RECORD_KEY,
                ],
                ROOT / "tests/node",
            )
            producer = start_node(
                stack,
                [
                    "load_producer.mjs",
                    server.url,
                    LOAD_QUEUE,
                    str(args.jobs),
                    str(int(seconds)),
                ],
                NODE_DIR,
            )
            counts_before["processed"] = int(client.llen(RECORD_KEY))
            counts_before["at"] = time.monotonic()  # type: ignore[assignment]
            return {"worker": worker, "producer": producer}

        def processed_count() -> int:
            return int(client.llen(RECORD_KEY))

        if args.warmup_seconds > 0:
            warm = argparse.Namespace(**{**vars(args), "seconds": args.warmup_seconds})
            with step(f"warm-up load for {warm.seconds:g} s (not measured)"):
                out = asyncio.run(
                    run_load(board, warm, lambda: start_workers(warm.seconds), processed_count)
                )
                out["workers"]["producer"].communicate(timeout=60)
                stop_worker(out["workers"]["worker"], force=False)
                client.delete(f"bull:{LOAD_QUEUE}:wait")  # nothing left over for the next run
                time.sleep(5)
        rss_start = rss_mib(board.pid)
        load_start = __import__("os").getloadavg()
        with step(f"load for {args.seconds:g} s"):
            out = asyncio.run(
                run_load(board, args, lambda: start_workers(args.seconds), processed_count)
            )
        processed = int(client.llen(RECORD_KEY)) - counts_before["processed"]
        processed_seconds = time.monotonic() - counts_before["at"]
        producer = out["workers"]["producer"]
        try:
            produced = json.loads(producer.communicate(timeout=30)[0].strip().splitlines()[-1])
        except (subprocess.TimeoutExpired, ValueError, IndexError):
            produced = {"added": "?", "seconds": "?"}
        backlog = int(client.llen(f"bull:{LOAD_QUEUE}:wait"))
        stop_worker(out["workers"]["worker"], force=False)
        load_end = __import__("os").getloadavg()
        time.sleep(10)
        rss_settled = rss_mib(board.pid)
        log = (tmp / "daphne.log").read_text(errors="replace")
        sections = report(args, out, locals())
        path = write_result(
            "load", "Load: viewers, requests and workers at once", sections, server.url
        )
    print(path, file=sys.stderr)


def report(args: argparse.Namespace, out: dict[str, Any], v: dict[str, Any]) -> list[str]:
    results: list[tuple[str, Answer]] = out["results"]
    errors = [(n, a) for n, a in results if a.status != 200]
    rows = []
    for name in [*TARGETS, None]:
        times = [a.seconds for n, a in results if name is None or n == name]
        failed = sum(1 for n, a in errors if name is None or n == name)
        rows.append(
            [
                name or "**all**",
                f"`{TARGETS[name]}`" if name else "",
                len(times),
                failed,
                f"{median(times) * 1000:.0f} ms",
                f"{percentile(times, 0.99) * 1000:.0f} ms",
                f"{max(times) * 1000:.0f} ms",
            ]
        )
    error_kinds = Counter(f"{n}: {a.status} {a.message[:120]}" for n, a in errors)
    viewers = out["viewers"]
    per_route = Counter(n for n, _c in viewers)
    messages = Counter()
    for name, client in viewers:
        messages[name] += client.messages
    seconds = out["ended"] - out["began"]
    ws_rows = [
        [
            name,
            f"`{WS_ROUTES[name][0]}`",
            per_route[name],
            out["closed"][name],
            f"{messages[name] / max(1, per_route[name]) / seconds:.2f}",
        ]
        for name in WS_ROUTES
    ]
    ws_errors = sum(out["refused"].values()) + sum(out["closed"].values())
    rss = out["rss_samples"]
    in_window = out["processed_in_window"] - v["counts_before"]["processed"]
    return [
        f"For {args.seconds:g} s on this machine: {len(viewers)} WebSocket viewers connected "
        f"(of {args.viewers}), {args.rate:g} HTTP requests per second sent open loop, a Node "
        f"producer adding {args.jobs} jobs per second and a Node bullmq worker (concurrency "
        f"{args.concurrency}, 2 ms per job) processing them. One daphne process; the load "
        "generator, Redis and Node share the same 2 CPUs. The same load ran first for "
        f"{args.warmup_seconds:g} s, unmeasured, so that the board's memory is compared from a "
        "steady state (caches filled, allocator pools grown) to the end of the measured load.",
        "",
        "## Summary",
        "",
        *table(
            ["Figure", "Value"],
            [
                ["HTTP errors (any answer but 200)", f"**{len(errors)}** of {len(results)}"],
                [
                    f"Requests not sent: over {MAX_LAG:g} s late, all {CLIENTS} clients waiting",
                    f"**{len(out['late'])}** of {len(results) + len(out['late'])}",
                ],
                [
                    "Answered per second while sending",
                    f"{len(results) / out['sent_seconds']:.1f} (target {args.rate:g})",
                ],
                ["WebSocket errors (refused handshakes + dropped sockets)", f"**{ws_errors}**"],
                ["HTTP p50 / p99 (all targets)", f"{rows[-1][4]} / {rows[-1][5]}"],
                ["Requests sent in", f"{out['sent_seconds']:.1f} s (target {args.seconds:g} s)"],
                [
                    "Jobs added by the producer",
                    f"{v['produced'].get('added')} in {v['produced'].get('seconds')} s",
                ],
                [
                    "Jobs processed by the worker",
                    f"{v['processed']:,} in {v['processed_seconds']:.1f} s = "
                    f"**{v['processed'] / v['processed_seconds']:.0f} jobs/s**",
                ],
                [
                    "… of which while the requests were sent",
                    f"{in_window:,} in {out['sent_seconds']:.1f} s = "
                    f"**{in_window / out['sent_seconds']:.0f} jobs/s**",
                ],
                ["Waiting at the end", f"{v['backlog']:,}"],
                ["Viewers connected in", f"{out['connect_seconds']:.1f} s"],
                ["daphne RSS before any load (pages warmed)", f"{v['rss_cold']:.1f} MiB"],
                [
                    f"… after the {args.warmup_seconds:g} s warm-up load, at the start of the "
                    "measured load",
                    f"{v['rss_start']:.1f} MiB",
                ],
                ["… with the viewers connected", f"{out['rss_connected']:.1f} MiB"],
                ["… every 5 s during the load", ", ".join(f"{x:.0f}" for x in rss) + " MiB"],
                ["… at the end of the measured load", f"{out['rss_end']:.1f} MiB"],
                [
                    "Growth over the measured load (end minus start)",
                    f"**{out['rss_end'] - v['rss_start']:+.1f} MiB**",
                ],
                ["… 10 s after (viewers gone)", f"{v['rss_settled']:.1f} MiB"],
                [
                    "Load average at the start of the load",
                    " / ".join(f"{x:.2f}" for x in v["load_start"]),
                ],
                ["Load average at its end", " / ".join(f"{x:.2f}" for x in v["load_end"])],
                ["Tracebacks in daphne's log", str(v["log"].count("Traceback"))],
            ],
        ),
        "",
        "## HTTP latency per target",
        "",
        *table(["Target", "Path", "Requests", "Errors", "p50", "p99", "max"], rows),
        "",
        *(["Errors:", "", *[f"- {n}x {k}" for k, n in error_kinds.items()], ""] if errors else []),
        "## WebSocket viewers",
        "",
        *table(["Page", "Route", "Viewers", "Dropped", "Messages per viewer per second"], ws_rows),
        "",
        *(
            [f"Refused handshakes: {dict(out['refused'])}", ""]
            if out["refused"]
            else ["No handshake was refused.", ""]
        ),
    ]


if __name__ == "__main__":
    main()
