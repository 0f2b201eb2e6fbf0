"""Every view of the board against Bull Board's, side by side on the same Redis.

100 queues laid out as BullMQ 6.7 writes them (20 jobs in each of wait, active, prioritized,
delayed, completed and failed) in a private redis-server; the standalone board (BullMQ backend
only, SQLite sessions, a staff user's session cookie: our login and permissions are checked on
every request) under one daphne process, and Bull Board 9.10 under one node process
(``bench/node/server.mjs``, its README's setup: one connection per queue, defaults).

Views, ours (page and API) against the request Bull Board's UI makes for the same view:

- overview: ``/`` and ``/api/queues`` against Bull Board's ``/api/queues``;
- queue view (failed tab, first page of 20): ``/queue/bullmq/<q>/?state=failed`` and
  ``/api/queues/bullmq/<q>/jobs?state=failed`` against
  ``/api/queues?activeQueue=<q>&status=failed&page=1&jobsPerPage=20``;
- job view (a failed job): ``/queue/bullmq/<q>/job/<id>/`` and
  ``/api/queues/bullmq/<q>/jobs/<id>`` against ``/api/queues/<q>/<id>``;
- ``/healthz`` (no login, no Redis) as the floor of daphne + Django.

Each target has its own keep-alive connection; warm-up requests first (with ``INFO
commandstats`` read around each target's block: Redis commands per request), then timed
requests, sequential and interleaved (one request to each target in turn, round after round,
in an order shuffled each round with a fixed seed), so that noise from other work on the
machine falls on every target alike, and so does the board's refresh of its kept counts (once a
second, paid by whichever request comes first after it is due: without the shuffle, always the
ones that follow Bull Board's slowest requests). Medians and p95.

Targets (issue 16, item 6): the overview and the queue view, page and API, at most one tenth of
Bull Board's time; the job view and its API at most Bull Board's. ``--check`` exits with status
1 when a target is missed (the report is written either way).

    python bench/views_vs_bull_board.py [--queues 100] [--requests 300] [--check]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import common
import redis

PER_STATE = 20
PAGE = 20
QUEUE = "queue-0000"
#: The 10th failed job of the first queue (ids 101-120 are its failed jobs, see common.seed_queue).
JOB_ID = str(5 * PER_STATE + 10)


@dataclass
class Target:
    key: str
    label: str
    ours: bool
    path: str
    check: Any
    #: Which of our boards serves it: "shipped", "no-auth-cache" or "django-handler" (SERVERS).
    server: str = "shipped"
    times: list[float] = field(default_factory=list)
    delta: dict[str, int] = field(default_factory=dict)
    usec: float = 0.0
    size: int = 0

    @property
    def median(self) -> float:
        return common.median_ms(self.times)

    @property
    def p95(self) -> float:
        return common.p95_ms(self.times)


def json_of(body: bytes) -> Any:
    return json.loads(body)


def check_overview_api(body: bytes, queues: int) -> None:
    listed = json_of(body)["queues"]
    assert len(listed) == queues, f"listed {len(listed)} queues"


def check_overview_page(body: bytes, queues: int) -> None:
    assert body.count(b"/queue/bullmq/") >= queues, "the overview lacks queues"


def check_queue_page(body: bytes, queues: int) -> None:
    assert body.count(f"/queue/bullmq/{QUEUE}/job/".encode()) >= PAGE, "the job list is short"


def check_queue_api(body: bytes, queues: int) -> None:
    jobs = json_of(body)["jobs"]
    assert len(jobs) == PAGE and all(j["state"] == "failed" for j in jobs), jobs[:1]


def check_job_page(body: bytes, queues: int) -> None:
    assert f"SMTP 451 for job {JOB_ID}".encode() in body, "the job page lacks the job"


def check_job_api(body: bytes, queues: int) -> None:
    job = json_of(body)["job"]
    assert str(job["id"]) == JOB_ID and job["state"] == "failed", job


def check_bull_overview(body: bytes, queues: int) -> None:
    listed = json_of(body)["queues"]
    assert len(listed) == queues and listed[0]["counts"]["failed"] == PER_STATE, len(listed)


def check_bull_queue(body: bytes, queues: int) -> None:
    active = next(q for q in json_of(body)["queues"] if q["name"] == QUEUE)
    assert len(active["jobs"]) == PAGE, len(active["jobs"])


def check_bull_job(body: bytes, queues: int) -> None:
    answer = json_of(body)
    assert str(answer["job"]["id"]) == JOB_ID and answer["status"] == "failed", answer["status"]


def check_floor(body: bytes, queues: int) -> None:
    assert body == b"ok", body


def targets() -> list[Target]:
    queue = f"bullmq/{QUEUE}"
    bull = "/board/api/queues"
    return [
        Target("ov-page", "Queueboard overview page `/`", True, "/", check_overview_page),
        Target("ov-api", "Queueboard `/api/queues`", True, "/api/queues", check_overview_api),
        Target("ov-bull", f"Bull Board `{bull}`", False, bull, check_bull_overview),
        Target(
            "q-page",
            "Queueboard queue page (failed)",
            True,
            f"/queue/{queue}/?state=failed",
            check_queue_page,
        ),
        Target(
            "q-api",
            "Queueboard queue API (failed)",
            True,
            f"/api/queues/{queue}/jobs?state=failed",
            check_queue_api,
        ),
        Target(
            "q-bull",
            "Bull Board queue (failed, page 1 of 20)",
            False,
            f"{bull}?activeQueue={QUEUE}&status=failed&page=1&jobsPerPage={PAGE}",
            check_bull_queue,
        ),
        Target(
            "job-page",
            "Queueboard job page",
            True,
            f"/queue/{queue}/job/{JOB_ID}/",
            check_job_page,
        ),
        Target(
            "job-api",
            "Queueboard job API",
            True,
            f"/api/queues/{queue}/jobs/{JOB_ID}",
            check_job_api,
        ),
        Target("job-bull", "Bull Board job", False, f"{bull}/{QUEUE}/{JOB_ID}", check_bull_job),
        Target(
            "floor", "Queueboard `/healthz` (no login, no Redis)", True, "/healthz", check_floor
        ),
    ]


def variants() -> list[Target]:
    """Our job view and floor without the auth cache, and every view of ours with Django's own
    ASGI handler (two threads started per request) instead of ``board/request_threads.py``'s."""
    variant = []
    for t in targets():
        if t.key in ("job-api", "job-page", "floor"):
            label = f"{t.label}, auth cache off"
            variant.append(
                Target(f"{t.key}-nocache", label, True, t.path, t.check, "no-auth-cache")
            )
    for t in targets():
        if t.ours:
            label = f"{t.label}, Django's handler"
            variant.append(
                Target(f"{t.key}-django", label, True, t.path, t.check, "django-handler")
            )
    return variant


#: Our boards: the ASGI application and the environment it is served with.
SERVERS = {
    "shipped": ("board.asgi:application", {}),
    "no-auth-cache": ("board.asgi:application", {"AUTH_CACHE_SECONDS": "0"}),
    "django-handler": ("django_handler_asgi:application", {}),
}


def start_boards(stack: contextlib.ExitStack, env: dict[str, str]) -> dict[str, int]:
    """One daphne per entry of SERVERS, over the same database (and so the same session)."""
    daphne = shutil.which("daphne", path=str(Path(common.PYTHON).parent)) or "daphne"
    ports = {}
    for name, (application, extra) in SERVERS.items():
        port = common.free_port()
        process = subprocess.Popen(
            [daphne, "-b", "127.0.0.1", "-p", str(port), "-v", "0", application],
            env={**env, **extra},
            cwd=common.ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        stack.callback(common.stop_process, process)
        common.wait_for_port(port, process, f"daphne ({name})")
        ports[name] = port
    return ports


#: (ours, Bull Board's, the most ours may take as a share of Bull Board's time)
COMPARISONS = [
    ("ov-page", "ov-bull", 0.1),
    ("ov-api", "ov-bull", 0.1),
    ("q-page", "q-bull", 0.1),
    ("q-api", "q-bull", 0.1),
    ("job-page", "job-bull", 1.0),
    ("job-api", "job-bull", 1.0),
]


def measure(
    chosen: list[Target],
    boards: dict[str, int],
    node: int,
    session: str,
    stats: redis.Redis,
    args: Any,
) -> None:
    clients = {
        t.key: common.HttpClient(boards[t.server], session) if t.ours else common.HttpClient(node)
        for t in chosen
    }
    with common.step(f"warming up and counting Redis commands ({args.warmup} requests each)"):
        for target in chosen:
            client = clients[target.key]
            status, body = client.get(target.path)
            if status != 200:
                raise RuntimeError(f"GET {target.path} answered {status}: {body[:300]!r}")
            target.check(body, args.queues)
            target.size = len(body)
            before, usec = common.commandstats(stats), common.server_usec(stats)
            common.time_requests(client, target.path, 0, args.warmup, lambda _: None)
            target.delta = common.stats_delta(before, common.commandstats(stats))
            target.usec = (common.server_usec(stats) - usec) / args.warmup
    with common.step(f"timing {args.requests} rounds of one request to each target"):
        order, shuffle = list(chosen), random.Random(16).shuffle
        for _ in range(args.requests):
            shuffle(order)
            for target in order:
                started = time.perf_counter()
                status, body = clients[target.key].get(target.path)
                target.times.append(time.perf_counter() - started)
                if status != 200:
                    raise RuntimeError(f"GET {target.path} answered {status}: {body[:300]!r}")
    for client in clients.values():
        client.close()


RESULT_HEADER = [
    "target",
    "request",
    "median ms",
    "p95 ms",
    "Redis commands / request",
    "commands by name / request",
    "response bytes",
]
RATIO_HEADER = [
    "view",
    "ours / Bull Board (median)",
    "ours / Bull Board (p95)",
    "target",
    "met (median and p95)",
]


def result_rows(chosen: list[Target], warmup: int) -> list[list[str]]:
    return [
        [
            t.label,
            f"`{t.path}`",
            f"{t.median:.2f}",
            f"{t.p95:.2f}",
            f"{sum(t.delta.values()) / warmup:.1f}",
            common.describe_delta(t.delta, warmup),
            f"{t.size:,}",
        ]
        for t in chosen
    ]


def ratio_rows(by_key: dict[str, Target], suffix: str = "") -> tuple[list[list[str]], bool]:
    rows, all_met = [], True
    for ours_key, bull_key, most in COMPARISONS:
        ours, bull = by_key[ours_key + suffix], by_key[bull_key]
        median, p95 = ours.median / bull.median, ours.p95 / bull.p95
        met = median <= most and p95 <= most
        all_met = all_met and met
        rows.append(
            [
                f"{ours.label} vs {bull.label}",
                f"{median:.2f}",
                f"{p95:.2f}",
                f"≤ {most:g}",
                "**met**" if met else "**not met**",
            ]
        )
    return rows, all_met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    chosen = targets() + variants()
    with common.Stack() as stack:
        server = common.start_redis(stack)
        names = [f"queue-{n:04d}" for n in range(args.queues)]
        with common.step(f"seeding {args.queues} queues"):
            common.seed_queues(server.url, names, PER_STATE)
        keys = redis.Redis.from_url(server.url).dbsize()
        env = common.temp_board_env(stack, server.url)
        with common.step("migrating and logging in"):
            session = common.prepare_database(env)
        with common.step(f"starting {len(SERVERS)} daphne processes"):
            boards = start_boards(stack, env)
        stats = redis.Redis.from_url(server.url)
        stack.callback(stats.close)
        with contextlib.ExitStack() as node_stack:
            with common.step("starting Bull Board (one connection per queue)"):
                node_port = common.start_bull_board(node_stack, server.url, names, "per-queue")
            clients = len(stats.client_list())
            measure(chosen, boards, node_port, session, stats, args)

        os.environ.update(env)
        import django

        django.setup()
        by_key = {t.key: t for t in chosen}
        ratios, all_met = ratio_rows(by_key)
        django_ratios, django_met = ratio_rows(by_key, "-django")
        sections = [
            "## What was measured",
            "",
            f"{args.queues} queues laid out as BullMQ 6.7 writes them, {PER_STATE} jobs in each "
            f"of wait, active, prioritized, delayed, completed and failed ({keys:,} keys), in a "
            "private redis-server. Each target has its own keep-alive HTTP/1.1 connection on "
            f"loopback: {args.warmup} warm-up requests per target, then {args.requests} timed "
            "rounds of one request to each target in turn (sequential, never concurrent; "
            "interleaved so that noise from other work on the machine falls on every target "
            "alike; in an order shuffled each round, so that the board's refresh of its kept "
            "counts, once a second, falls on every target alike too). Time = client-side wall "
            "time from sending the request to reading the whole body.",
            "",
            "- Queueboard: the standalone board (`board.asgi`, settings `bench/bench_settings.py`: "
            "only the BullMQ backend, DEBUG off) under one daphne process, SQLite session store, "
            "a staff user's session cookie: every request but `/healthz` has its session and "
            "user checked and runs the access rule. Pages are the full HTML pages. Two more "
            "daphne processes over the same database serve the variants: the same board with "
            "`AUTH_CACHE_SECONDS=0` (every request reads the session and the user from the "
            "database, as before `board/auth_cache.py`), and `bench/django_handler_asgi.py`, "
            "the same application with Django's own ASGI handler (two threads started per "
            "request) instead of `board/request_threads.py`'s (request threads reused), which "
            "`board.asgi` serves.",
            "- Bull Board 9.10.1 (`@bull-board/api` + `@bull-board/express`, BullMQ 6.7.0, "
            "express 5) under one node process, set up as its README does: one `BullMQAdapter` "
            "per queue, each `Queue` with its own Redis connection, defaults (`showWorkers` on: "
            f"one `CLIENT LIST` per queue in `/api/queues`). Clients connected to Redis: "
            f"{clients}. Bull Board has no login of its own. Its pages are one static "
            "single-page app; each view's data is the API request its UI makes for it, which is "
            "what our page and our API are both compared with.",
            "",
            "Redis commands per request are `INFO commandstats` deltas over each target's warm-up "
            "block, divided by its number of requests (commands inside Lua scripts count "
            "individually). The standalone board reuses the overview's counts for 1 s "
            "(`COUNTS_CACHE_SECONDS`).",
            "",
            "## Results",
            "",
            *common.table(RESULT_HEADER, result_rows(chosen, args.warmup)),
            "",
            "## Targets",
            "",
            "The board as shipped (`board.asgi`, pooled request threads):",
            "",
            *common.table(RATIO_HEADER, ratios),
            "",
            "All targets: " + ("**met**" if all_met else "**not met**") + ".",
            "",
            "With Django's own ASGI handler (`bench/django_handler_asgi.py`):",
            "",
            *common.table(RATIO_HEADER, django_ratios),
            "",
            "All targets: " + ("**met**" if django_met else "**not met**") + ".",
            "",
            *where_time_goes(by_key),
        ]
        path = common.write_result(
            "views_vs_bull_board", "Every view: Queueboard vs Bull Board", sections, server.url
        )
        print(f"wrote {path.relative_to(common.ROOT)}")
        for row in ratios:
            print(" | ".join(row))
    if args.check and not all_met:
        sys.exit(1)


def where_time_goes(by_key: dict[str, Target]) -> list[str]:
    def ms(key: str) -> str:
        return f"{by_key[key].median:.2f} ms"

    def gap(a: str, b: str) -> str:
        return f"{by_key[a].median - by_key[b].median:.2f} ms"

    return [
        "## Where our time goes",
        "",
        f"- The floor: `/healthz`, which reads nothing, takes {ms('floor')} with the shipped "
        f"handler (pooled request threads) and {ms('floor-django')} with Django's own. "
        "Django's handler runs each request in a context of its own whose first "
        "`sync_to_async` (Django's own `request_started` signal, on every request) starts a "
        "new thread, and whose end starts one more to join it; `board/request_threads.py` "
        "lends each request a kept thread instead (still one request per thread). This floor "
        "(daphne, Django's middleware, the handler) is already above Bull Board's whole job "
        f"request ({ms('job-bull')}).",
        f"- Session and user: the job API takes {ms('job-api-nocache')} with "
        f"`AUTH_CACHE_SECONDS=0` and {ms('job-api')} with the auth cache: "
        f"{gap('job-api-nocache', 'job-api')} of SQLite reads (the session row, the user row, "
        "in a thread), done once per session every 2 s per process (`board/auth_cache.py`).",
        f"- The job API's own work: {gap('job-api', 'floor')} above the floor: the access "
        "check on the loop (`reading._check`, the kept user is a plain object), one script "
        "call reading the job (`lua/job.lua`: one round trip and one reply, the hash, its "
        "logs and their count, its children, processed and failed children, and every state "
        "key that may hold it, so that a job found in two states is said so; the commands "
        "inside the script are counted above), and its JSON.",
        f"- The job page: {gap('job-page', 'job-api')} more than the job API, almost all of "
        "it Django's template rendering in a thread: the header, tabs and payload blocks of "
        "the job, the settings panel and navigation of every page, their translations. The "
        "sidebar's 100 entries are kept rendered by content "
        "(`queues/templatetags/queueboard_sidebar.py`) and joined, about 0.3 ms.",
        f"- The queue page likewise: {gap('q-page', 'q-api')} more than the queue API. Its 20 "
        "rows are kept rendered by what they show (`queues/fragments.py`, `job_row`), so "
        "what is left is the page around them: measured per template in one process "
        "(2026-12-04), the job list's frame with its state tabs and counts about 2 ms, the "
        "settings panel 0.5 ms, the live connection's markup 0.4 ms, the navigation, search "
        "and pagination about 0.5 ms, and the rendering of the page's own template.",
    ]


if __name__ == "__main__":
    main()
