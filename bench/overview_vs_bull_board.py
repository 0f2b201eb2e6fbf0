"""Time of the overview: Queueboard under daphne against Bull Board 9.x under node, same Redis.

100 queues laid out as BullMQ 6.7 writes them (20 jobs in each of wait, active, prioritized,
delayed, completed and failed) in a private redis-server. Served over HTTP on loopback:

(a) our overview page ``/`` and (b) our ``/api/queues``: the standalone board (BullMQ backend
    only) under one daphne process, a SQLite database in a temp dir, a staff user's session
    cookie;
(c) Bull Board 9.10 ``GET /api/queues`` with its defaults, and (d) the same with
    ``showWorkers: false``: one node process, express, one BullMQAdapter per queue
    (``bench/node/server.mjs``), each Queue with its own connection as in Bull Board's README;
(f), (g) the same two with all queues sharing one connection, measured in a second block
    (one Bull Board at a time, so that one's connections don't slow the other's CLIENT LIST).

Each target has its own keep-alive connection. Warm-up requests first, one target after the
other, with ``INFO commandstats`` read around each target's block (Redis commands per request);
then the timed requests, sequential and interleaved (a, b, c, d, e, a, b, ...) so that noise
from other work on the machine falls on every target alike. (e) ``/healthz`` is the floor of
daphne + Django for a request that does nothing. Target: ours at most one fifth of Bull Board's
time (c).

    python bench/overview_vs_bull_board.py [--queues 100] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
from typing import Any

import common
import redis

PER_STATE = 20
TARGET_RATIO = 5.0


def check_ours(expected: int) -> Any:
    def check(body: bytes) -> None:
        if body.lstrip().startswith(b"{"):
            queues = json.loads(body)["queues"]
            assert len(queues) == expected, f"api/queues listed {len(queues)} queues"
            assert all(sum(q["counts"].values()) == 6 * PER_STATE for q in queues), queues[0]
        else:
            assert body.count(b"/queue/bullmq/") >= expected, "the overview lacks queues"

    return check


def check_bull_board(expected: int) -> Any:
    def check(body: bytes) -> None:
        queues = json.loads(body)["queues"]
        assert len(queues) == expected, f"Bull Board listed {len(queues)} queues"
        counts = queues[0]["counts"]
        assert counts["failed"] == PER_STATE and counts["completed"] == PER_STATE, counts

    return check


def check_floor(expected: int) -> Any:
    def check(body: bytes) -> None:
        assert body == b"ok", body

    return check


async def time_list_queues(count: int) -> list[float]:
    """Seconds of ``count`` warm ``list_queues()`` calls of the BullMQ backend, in-process."""
    from queues.backends import backends

    backend = backends["bullmq"]
    await backend.list_queues()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        await backend.list_queues()
        times.append(time.perf_counter() - started)
    await backend.close()
    return times


SETUPS = {
    "per-queue": "Bull Board as its README sets it up: each `Queue` is given connection options "
    "and opens its own Redis connection (100 connections)",
    "shared": "all queues sharing one ioredis connection (an app passing one client to its "
    "Queues; 1 connection)",
}


def targets_of(
    daphne_port: int, node_port: int, session: str, setup: str
) -> list[tuple[str, int, str | None, str, Any]]:
    tag = "" if setup == "per-queue" else ", one shared connection"
    c, d = ("(c)", "(d)") if setup == "per-queue" else ("(f)", "(g)")
    return [
        ("(a) Queueboard overview page `/`", daphne_port, session, "/", check_ours),
        ("(b) Queueboard `/api/queues`", daphne_port, session, "/api/queues", check_ours),
        (
            f"{c} Bull Board `/api/queues` (defaults{tag})",
            node_port,
            None,
            "/board/api/queues",
            check_bull_board,
        ),
        (
            f"{d} Bull Board `/api/queues`, showWorkers off{tag}",
            node_port,
            None,
            "/board-noworkers/api/queues",
            check_bull_board,
        ),
        (
            "(e) Queueboard `/healthz` (no login, no Redis: the daphne + Django floor)",
            daphne_port,
            None,
            "/healthz",
            check_floor,
        ),
    ]


def result_rows(results: dict[str, dict[str, Any]], warmup: int) -> list[list[str]]:
    rows = []
    for label, result in results.items():
        commands = sum(result["delta"].values()) / warmup
        rows.append(
            [
                label,
                f"{result['median']:.2f}",
                f"{result['p95']:.2f}",
                f"{commands:.1f}",
                f"{result['usec'] / 1000:.2f}",
                common.describe_delta(result["delta"], warmup),
                f"{result['bytes']:,}",
            ]
        )
    return rows


def ratio_rows(
    results: dict[str, dict[str, Any]], reference: str
) -> tuple[list[list[str]], list[bool]]:
    by_key = {label[:3]: result for label, result in results.items()}
    bull = by_key[reference]
    rows, verdicts = [], []
    for key, name in (("(a)", "overview page"), ("(b)", "`api/queues`")):
        ratio = bull["median"] / by_key[key]["median"]
        met = ratio >= TARGET_RATIO
        verdicts.append(met)
        rows.append(
            [
                f"{key} {name} vs {reference}",
                f"{ratio:.1f}x",
                f"{bull['p95'] / by_key[key]['p95']:.1f}x",
                "**met**" if met else "**not met**",
            ]
        )
    return rows, verdicts


RATIO_HEADER = ["comparison", "Bull Board / ours (median)", "Bull Board / ours (p95)", "≥ 5x"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()

    with common.Stack() as stack:
        server = common.start_redis(stack)
        names = [f"queue-{n:04d}" for n in range(args.queues)]
        with common.step(f"seeding {args.queues} queues"):
            common.seed_queues(server.url, names, PER_STATE)
        keys = redis.Redis.from_url(server.url).dbsize()

        daphne_port, session, env = common.start_board(stack, server.url)
        stats = redis.Redis.from_url(server.url)
        stack.callback(stats.close)

        blocks: dict[str, dict[str, dict[str, Any]]] = {}
        clients_connected: dict[str, int] = {}
        for setup in SETUPS:
            # One Bull Board at a time: its per-queue connections would otherwise show up in the
            # other's CLIENT LIST (showWorkers), which grows with every client of the server.
            with contextlib.ExitStack() as node_stack:
                with common.step(f"starting Bull Board ({setup} connections)"):
                    node_port = common.start_bull_board(node_stack, server.url, names, setup)
                clients_connected[setup] = len(stats.client_list())
                blocks[setup] = common.measure_interleaved(
                    targets_of(daphne_port, node_port, session, setup),
                    stats,
                    args.warmup,
                    args.requests,
                    args.queues,
                )

        os.environ.update(env)
        import django

        django.setup()
        with common.step("timing list_queues() in-process"):
            backend_ms = common.median_ms(asyncio.run(time_list_queues(args.requests)))

        main_block, shared_block = blocks["per-queue"], blocks["shared"]
        ratios_main, verdicts_main = ratio_rows(main_block, "(c)")
        ratios_more: list[list[str]] = []
        for block, reference in (
            (main_block, "(d)"),
            (shared_block, "(f)"),
            (shared_block, "(g)"),
        ):
            ratios_more += ratio_rows(block, reference)[0]
        ours = {label[:3]: result for label, result in main_block.items()}
        floor = ours["(e)"]["median"]
        reference = ours["(c)"]["median"]
        sections = [
            "## What was measured",
            "",
            f"{args.queues} queues laid out as BullMQ 6.7 writes them, {PER_STATE} jobs in each "
            f"of wait, active, prioritized, delayed, completed and failed ({keys:,} keys), in a "
            "private redis-server. Each target has its own keep-alive HTTP/1.1 connection on "
            f"loopback: {args.warmup} warm-up requests per target, then {args.requests} timed "
            "rounds of one request to each target in turn (sequential, never concurrent; "
            "interleaved so that noise from other work on the machine falls on every target "
            "alike). Time = client-side wall time from sending the request to reading the whole "
            "body.",
            "",
            "- Queueboard: the standalone board (`board.asgi`, settings `bench/bench_settings.py`: "
            "only the BullMQ backend, DEBUG off) under one daphne process, SQLite session store, "
            "a staff user's session cookie. The overview page is the full HTML page.",
            "- Bull Board 9.10.1 (`@bull-board/api` + `@bull-board/express`, BullMQ 6.7.0, "
            "express 5) under one node process, one `BullMQAdapter` per queue "
            "(`bench/node/server.mjs`). `GET /api/queues` without parameters is the request its "
            "UI polls every 5 s on every page (no active queue, so no jobs are fetched). It is "
            "measured in two setups, one after the other, each with our board interleaved:",
            f"  1. {SETUPS['per-queue']}: targets (c), and (d) with `showWorkers: false`. "
            f"Clients connected to Redis during the block: {clients_connected['per-queue']}.",
            f"  2. {SETUPS['shared']}: targets (f), and (g) with `showWorkers: false`. "
            f"Clients connected: {clients_connected['shared']}.",
            "",
            "With its defaults Bull Board runs one `CLIENT LIST` per queue on every poll "
            "(`showWorkers`), whose cost grows with the number of clients connected to Redis; a "
            "production Redis also serves the workers and producers. Setup 1 reproduces the "
            "figure the issue gives for Bull Board (about 75 ms and 1,623 commands per refresh "
            "with 100 queues of 20 jobs per state) and is the reference of the target; setup 2 "
            "is Bull Board's best case here (one connection, almost no other clients).",
            "",
            "Redis commands (and their execution time, `usec`) per request are `INFO "
            "commandstats` deltas over each target's warm-up block, divided by its number of "
            "requests; commands run inside Lua scripts count individually, as the server counts "
            "them (Bull Board's `getCounts` EVALSHA runs one LLEN/ZCARD per state inside Redis).",
            "",
            "## Results",
            "",
            f"### Setup 1: {SETUPS['per-queue']}",
            "",
            *common.table(RESULT_HEADER, result_rows(main_block, args.warmup)),
            "",
            f"### Setup 2: {SETUPS['shared']}",
            "",
            *common.table(RESULT_HEADER, result_rows(shared_block, args.warmup)),
            "",
            "## Target: ours at most one fifth of Bull Board's time",
            "",
            "Against the issue's reference, Bull Board's defaults (c):",
            "",
            *common.table(RATIO_HEADER, ratios_main),
            "",
            "Target: " + ("**met**" if all(verdicts_main) else "**not met**") + ".",
            "",
            "Against Bull Board with workers hidden (d), and with one shared connection (f, g):",
            "",
            *common.table(RATIO_HEADER, ratios_more),
            "",
            f"For scale: (e), a daphne + Django request that does nothing, took {floor:.2f} ms, "
            f"i.e. {floor / reference:.0%} of Bull Board's (c) median.",
            "",
            "## Where our time goes",
            "",
            f"- The BullMQ backend's `list_queues()` alone (one `counts.lua` script call "
            f"running {9 * args.queues:,} LLEN/ZCARD/HGET inside Redis, timed in-process "
            f"against the same Redis, warm, no snapshot, median of {args.requests}): "
            f"{backend_ms:.2f} ms.",
            "- The standalone board reuses the overview's counts for 1 s per process "
            "(`COUNTS_CACHE_SECONDS`), so most timed requests read no Redis at all: see the "
            "commands per request above (one real read per second of the run).",
            f"- `api/queues` (b) = floor (e) {floor:.2f} ms + the rest "
            f"{max(ours['(b)']['median'] - floor, 0):.2f} ms: one thread hop that reads the "
            "session and the user from SQLite and runs the access rule, and the JSON of each "
            "queue, kept by content (`queues/fragments.py`) and joined.",
            f"- The overview page (a) costs {ours['(a)']['median'] - ours['(b)']['median']:.1f} ms "
            "more than (b) for the same data: a second thread hop and Django's template "
            "rendering of the page around its rows; each row is rendered once per content and "
            "reused.",
            "- The floor (e) is Django's own two thread hops per request (the `request_started` "
            "and `request_finished` signals, which close stale database connections) and "
            "daphne; the standalone board's middleware runs on the event loop "
            "(`board/middleware.py`).",
        ]
        path = common.write_result(
            "overview_vs_bull_board",
            "Overview time: Queueboard vs Bull Board",
            sections,
            server.url,
        )
        print(f"wrote {path.relative_to(common.ROOT)}")


RESULT_HEADER = [
    "target",
    "median ms",
    "p95 ms",
    "Redis commands / request",
    "Redis execution ms / request",
    "commands by name / request",
    "response bytes",
]


if __name__ == "__main__":
    main()
