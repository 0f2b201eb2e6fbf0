"""Redis Cluster and failover: the board on a cluster against a single Redis, and a primary
failing over during page views and during a bulk retry.

A local Redis Cluster of three primaries and three replicas (``tests/redis_cluster.py``:
``--cluster-node-timeout 2000``, no persistence) and one private redis-server hold the same
data: ``--queues`` queues under the hash-tagged prefix ``{bull}`` with 20 jobs in each of wait,
active, prioritized, delayed, completed and failed (``common.seed_queue``, written through the
cluster client's pipeline; every key is in the slot of ``{bull}``, as BullMQ's hash tags
intend). Two standalone boards (``board.asgi`` under one daphne each, ``bench/override_settings.py``
with ``BULK_BATCH_SIZE`` set, ``BULLMQ_PREFIX={bull}``; the cluster's with ``REDIS_CLUSTER=1``
and ``REDIS_URL`` naming one node) serve them.

1. **Views**: the overview ``/``, ``/api/queues``, a queue page and the queue jobs API (failed
   tab) and a job page and the job API, as a staff user (session cookie), on both boards:
   warm-up requests with ``INFO commandstats`` read around them (every primary and the single
   Redis), then ``--requests`` interleaved rounds of one request to each target
   (``common.measure_interleaved``). Medians and p95.
2. **Failover during page views**: one client requests ``/`` and the queue page in turn, in a
   loop, while the primary owning the slot of ``{bull}`` is replaced by its replica: gently
   (``CLUSTER FAILOVER`` on the replica) and by killing the primary's process (the node rejoins
   as a replica afterwards). Outage window: from the start of the failover to the end of the
   first good answer after the last refused one.
3. **Failover during a bulk retry**: ``--jobs`` failed jobs in a queue of their own; a superuser
   ``POST``s ``/api/queues/bullmq/<q>/retry-all`` (the CSRF token from the queue page's cookie,
   as a browser does), the primary fails over (each way) once the run reports progress, then the
   run is polled to its end and every state key of the queue is read: each job must be in
   ``wait`` exactly once.

Targets: no 500 during a failover (every answer 200 or a 503 naming the cause), back to 200 by
itself within 10 s of the failover's start, nothing lost or duplicated by the bulk retry, the
cluster's overview (page and API) within 2x the single Redis' median.

    python bench/cluster_failover.py [--queues 100] [--requests 300] [--jobs 2000] [--batch 5]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import common
import fault_board
import redis
import views_vs_bull_board as views

from tests.fixtures_bullmq import jobs_by_state
from tests.redis_cluster import ClusterSetup, start_cluster

PREFIX = "{bull}"
PER_STATE = 20
QUEUE = views.QUEUE
JOB_ID = views.JOB_ID
#: Any key in the slot of ``{bull}``: the primary owning it owns every key of every queue.
SLOT_KEY = f"{PREFIX}:{QUEUE}:meta"
HOWS = ("failover", "kill")
ACTIVE = ("queued", "running", "cancelling")
#: How long a board may take to answer 200 again after a failover starts.
RECOVERY_S = 10.0
MOST_RATIO = 2.0


def node_url(port: int) -> str:
    return f"redis://127.0.0.1:{port}/0"


def seed_cluster(cluster: ClusterSetup, names: list[str], per_state: int) -> None:
    """``common.seed_queues`` through the cluster client (one slot: one node's pipeline)."""
    client = cluster.client()
    try:
        common.seed_queues_with(client, names, per_state, prefix=PREFIX)
    finally:
        client.close()


def seed_failed(cluster: ClusterSetup, queue: str, count: int) -> None:
    """``common.seed_many_failed`` on the primary owning the slot (every key is in it)."""
    common.seed_many_failed(node_url(cluster.owner(SLOT_KEY)), queue, count, prefix=PREFIX)


def cluster_keys(cluster: ClusterSetup) -> int:
    total = 0
    for port in cluster.primaries():
        client = redis.Redis(port=port)
        total += int(client.dbsize())
        client.close()
    return total


class Stats:
    """``INFO commandstats`` summed over several servers (for ``common.commandstats``)."""

    def __init__(self, ports: Callable[[], list[int]]) -> None:
        self.ports = ports

    def info(self, section: str) -> dict[str, dict[str, int]]:
        total: dict[str, dict[str, int]] = {}
        for port in self.ports():
            client = redis.Redis(port=port)
            try:
                for name, value in client.info(section).items():
                    entry = total.setdefault(name, {"calls": 0, "usec": 0})
                    entry["calls"] += int(value["calls"])
                    entry["usec"] += int(value["usec"])
            finally:
                client.close()
        return total


# -- the boards ----------------------------------------------------------------------------------


@dataclass
class Served:
    """One board under daphne: its port, a staff and a superuser session, its error log."""

    port: int
    staff: str
    admin: fault_board.Board
    log: Path


def serve(stack: contextlib.ExitStack, url: str, batch: int, **extra: str) -> Served:
    env = common.temp_board_env(stack, url)
    env.update(
        DJANGO_SETTINGS_MODULE="override_settings",
        BENCH_QUEUEBOARD=json.dumps({"BULK_BATCH_SIZE": batch}),
        BULLMQ_PREFIX=PREFIX,
        **extra,
    )
    staff = common.prepare_database(env)
    admin_session = fault_board.prepare_board(env)
    log = Path(env["DATABASE_URL"].removeprefix("sqlite:///")).with_name("daphne.log")
    stderr = stack.enter_context(open(log, "w"))
    port, _ = common.start_daphne_process(stack, env, stderr)
    return Served(port, staff, fault_board.Board(port, admin_session), log)


def tracebacks(log: Path) -> list[str]:
    text = log.read_text(encoding="utf-8", errors="replace")
    return [part.strip() for part in text.split("Traceback (most recent call last):")[1:]]


# -- 1. views ------------------------------------------------------------------------------------

#: (key, label, path, check(body, queues)) of each view; from views_vs_bull_board.
VIEWS = [
    ("ov-page", "overview page `/`", "/", views.check_overview_page),
    ("ov-api", "`/api/queues`", "/api/queues", views.check_overview_api),
    (
        "q-page",
        "queue page (failed)",
        f"/queue/bullmq/{QUEUE}/?state=failed",
        views.check_queue_page,
    ),
    (
        "q-api",
        "queue jobs API (failed)",
        f"/api/queues/bullmq/{QUEUE}/jobs?state=failed",
        views.check_queue_api,
    ),
    ("job-page", "job page", f"/queue/bullmq/{QUEUE}/job/{JOB_ID}/", views.check_job_page),
    ("job-api", "job API", f"/api/queues/bullmq/{QUEUE}/jobs/{JOB_ID}", views.check_job_api),
]


def measure_views(
    boards: dict[str, Served], stats: Stats, queues: int, warmup: int, requests: int
) -> dict[str, dict[str, Any]]:
    targets: list[common.Target] = []
    for key, _label, path, check in VIEWS:
        for where, board in boards.items():
            targets.append(
                (f"{key}/{where}", board.port, board.staff, path, lambda n, c=check: _check(c, n))
            )
    return common.measure_interleaved(targets, stats, warmup, requests, queues)


def _check(check: Callable[[bytes, int], None], queues: int) -> Callable[[bytes], None]:
    return lambda body: check(body, queues)


def commands_per_request(
    boards: dict[str, Served], stats: Stats, requests: int = 20
) -> dict[str, float]:
    """Per target, the median of the Redis commands of each of ``requests`` requests (the
    board's once-a-second refresh of its kept counts falls in a few of them)."""
    found: dict[str, float] = {}
    for key, _label, path, _check in VIEWS:
        for where, board in boards.items():
            client = common.HttpClient(board.port, board.staff)
            counts: list[int] = []
            for _ in range(requests):
                before = common.commandstats(stats)
                client.get(path)
                counts.append(sum(common.stats_delta(before, common.commandstats(stats)).values()))
            client.close()
            found[f"{key}/{where}"] = statistics.median(counts)
    return found


def view_rows(results: dict[str, dict[str, Any]], commands: dict[str, float]) -> list[list[str]]:
    rows = []
    for key, label, path, _check in VIEWS:
        on, off = results[f"{key}/cluster"], results[f"{key}/single"]
        rows.append(
            [
                label,
                f"`{path}`",
                f"{on['median']:.2f}",
                f"{on['p95']:.2f}",
                f"{off['median']:.2f}",
                f"{off['p95']:.2f}",
                f"{on['median'] / off['median']:.2f}",
                f"{commands[key + '/cluster']:g} / {commands[key + '/single']:g}",
            ]
        )
    return rows


# -- 2. failover during page views ---------------------------------------------------------------


@dataclass
class Answer:
    started: float
    ended: float
    path: str
    status: int
    message: str = ""


@dataclass
class Outage:
    how: str
    switched: tuple[int, int] = (0, 0)
    switch_s: float = 0.0
    answers: list[Answer] = field(default_factory=list)

    @property
    def statuses(self) -> Counter[int]:
        return Counter(a.status for a in self.answers if a.started >= 0)

    @property
    def refused(self) -> list[Answer]:
        return [a for a in self.answers if a.status != 200 and a.started >= 0]

    @property
    def window(self) -> float | None:
        """Seconds from the failover's start to the end of the first 200 after the last
        refusal (0 when nothing was refused; None when no 200 came after it)."""
        refused = self.refused
        if not refused:
            return 0.0
        last = max(a.started for a in refused)
        good = [a.ended for a in self.answers if a.status == 200 and a.started > last]
        return min(good) if good else None

    def latency_ms(self, before: bool) -> list[float]:
        return [(a.ended - a.started) * 1000 for a in self.answers if (a.started < 0) == before]


def views_during_failover(board: Served, cluster: ClusterSetup, how: str) -> Outage:
    """GET ``/`` and the queue page in turn while the slot's primary fails over; times are
    relative to the failover's start (negative: before it)."""
    client = fault_board.Board(board.port, board.staff)
    paths = ["/", f"/queue/bullmq/{QUEUE}/?state=failed"]
    outage = Outage(how)
    stop = threading.Event()
    origin = time.monotonic() + 1.0  # one second of answers before the failover

    def loop() -> None:
        n = 0
        while not stop.is_set():
            path = paths[n % len(paths)]
            n += 1
            started = time.monotonic()
            answer = client.get(path, timeout=60)
            ended = time.monotonic()
            message = "" if answer.status == 200 else answer.message
            outage.answers.append(
                Answer(started - origin, ended - origin, path, answer.status, message)
            )

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        time.sleep(max(0.0, origin - time.monotonic()))
        outage.switched = (
            cluster.failover(SLOT_KEY) if how == "failover" else cluster.kill_primary(SLOT_KEY)
        )
        outage.switch_s = time.monotonic() - origin
        deadline = time.monotonic() + 30
        time.sleep(3)  # answers after the cluster is whole again: back to 200 by itself?
        while time.monotonic() < deadline and (outage.window is None):
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join()
    if how == "kill":
        cluster.rejoin(outage.switched[0])  # back as a replica, for what follows
    return outage


def outage_rows(outages: list[Outage]) -> list[list[str]]:
    rows = []
    for o in outages:
        s = o.statuses
        others = sum(n for code, n in s.items() if code not in (200, 503, 500))
        window = o.window
        during = o.latency_ms(before=False)
        rows.append(
            [
                DESCRIBE_HOW[o.how],
                f"{o.switched[0]} → {o.switched[1]}",
                f"{o.switch_s:.2f}",
                str(sum(s.values())),
                str(s[200]),
                str(s[503]),
                f"**{s[500]}**",
                str(others),
                "never" if window is None else f"{window:.2f}",
                f"{statistics.median(o.latency_ms(before=True)):.1f}",
                f"{max(during):.0f}",
            ]
        )
    return rows


DESCRIBE_HOW = {
    "failover": "gentle (`CLUSTER FAILOVER` on the replica)",
    "kill": "primary's process killed",
}


def refusal_lines(outages: list[Outage]) -> list[str]:
    lines = []
    for o in outages:
        messages = Counter(f"{a.status}: {a.message}" for a in o.refused)
        for message, n in messages.most_common(4):
            lines.append(f"- {o.how}, {n}x: {message[:220]}")
    return lines or ["- none: every request was answered 200"]


# -- 3. failover during a bulk retry -------------------------------------------------------------


@dataclass
class Retry:
    how: str
    jobs: int
    done_at_switch: int = -1
    status_at_switch: str = ""
    #: The run's progress once the cluster agreed on the new owner.
    done_after_switch: int = -1
    status_after_switch: str = ""
    run: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    placed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def midway(self) -> bool:
        return self.status_at_switch in ACTIVE and 0 <= self.done_at_switch < self.jobs

    @property
    def in_wait_once(self) -> int:
        return sum(1 for states in self.placed.values() if states == ["wait"])

    @property
    def missing(self) -> int:
        return sum(1 for n in range(1, self.jobs + 1) if str(n) not in self.placed)

    @property
    def duplicated(self) -> int:
        return sum(1 for states in self.placed.values() if len(states) > 1)

    @property
    def elsewhere(self) -> Counter[str]:
        return Counter(s[0] for s in self.placed.values() if len(s) == 1 and s != ["wait"])

    @property
    def whole(self) -> bool:
        return self.in_wait_once == self.jobs == len(self.placed) and not self.missing


def where_jobs_are(cluster: ClusterSetup, queue: str) -> dict[str, list[str]]:
    """Job id -> every state key holding it (a healthy queue has exactly one per job)."""
    client = redis.RedisCluster(host="127.0.0.1", port=cluster.ports[0], decode_responses=True)
    try:
        return jobs_by_state(client, PREFIX, queue)
    finally:
        client.close()


def retry_during_failover(board: Served, cluster: ClusterSetup, how: str, jobs: int) -> Retry:
    queue = f"retry-{how}"
    seed_failed(cluster, queue, jobs)
    result = Retry(how, jobs)
    admin = board.admin
    admin.fetch_csrf(f"/queue/bullmq/{queue}/")
    started = time.monotonic()
    answer = admin.post(f"/api/queues/bullmq/{queue}/retry-all")
    if answer.status != 202:
        raise RuntimeError(f"retry-all answered {answer.status}: {answer.text[:300]}")
    run_id = answer.json()["run"]["id"]
    run = fault_board.poll_run(
        admin, run_id, lambda r: r["done"] > 0 or r["status"] not in ACTIVE, 60, every=0.05
    )
    result.done_at_switch, result.status_at_switch = run["done"], run["status"]
    if how == "failover":
        old, _new = cluster.failover(SLOT_KEY)
    else:
        old, _new = cluster.kill_primary(SLOT_KEY)
    run = fault_board.poll_run(admin, run_id, lambda r: True, 10, every=0.05)
    result.done_after_switch, result.status_after_switch = run["done"], run["status"]
    result.run = fault_board.poll_run(
        admin, run_id, lambda r: r["status"] not in ACTIVE, 180, every=0.05
    )
    result.seconds = time.monotonic() - started
    result.placed = where_jobs_are(cluster, queue)
    if how == "kill":
        cluster.rejoin(old)
    return result


def retry_rows(retries: list[Retry]) -> list[list[str]]:
    rows = []
    for r in retries:
        run = r.run
        rows.append(
            [
                DESCRIBE_HOW[r.how],
                f"{r.jobs:,}",
                f"{r.done_at_switch:,} ({r.status_at_switch})",
                f"{r.done_after_switch:,} ({r.status_after_switch})",
                f"{run.get('status')}",
                f"{run.get('done', 0):,} / {run.get('skipped', 0):,} / {run.get('failed', 0):,}",
                f"{run.get('batches', 0):,}",
                f"{r.seconds:.1f}",
                f"{r.in_wait_once:,}",
                str(r.missing),
                str(r.duplicated),
                ", ".join(f"{s} {n}" for s, n in r.elsewhere.items()) or "none",
            ]
        )
    return rows


# -- the report ----------------------------------------------------------------------------------


def mark(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2000, help="failed jobs of the bulk retry")
    parser.add_argument("--batch", type=int, default=5, help="BULK_BATCH_SIZE of the boards")
    args = parser.parse_args()

    names = [f"queue-{n:04d}" for n in range(args.queues)]
    with common.Stack() as stack:
        with common.step("starting a cluster of 3 primaries and 3 replicas"):
            cluster = start_cluster()
            stack.callback(cluster.stop)
        single = common.start_redis(stack)
        with common.step(f"seeding {args.queues} queues on each"):
            seed_cluster(cluster, names, PER_STATE)
            common.seed_queues(single.url, names, PER_STATE, prefix=PREFIX)
        keys = cluster_keys(cluster)
        assert keys == redis.Redis.from_url(single.url).dbsize(), "the two hold different data"
        with common.step("starting the two boards"):
            boards = {
                "cluster": serve(stack, cluster.url, args.batch, REDIS_CLUSTER="1"),
                "single": serve(stack, single.url, args.batch),
            }
        stats = Stats(lambda: [*cluster.primaries(), single.port])
        results = measure_views(boards, stats, args.queues, args.warmup, args.requests)
        with common.step("counting Redis commands per request"):
            commands = commands_per_request(boards, stats)

        outages = []
        for how in HOWS:
            with common.step(f"page views during a failover ({how})"):
                outages.append(views_during_failover(boards["cluster"], cluster, how))
        retries = []
        for how in HOWS:
            with common.step(f"retry of {args.jobs} failed jobs during a failover ({how})"):
                retries.append(retry_during_failover(boards["cluster"], cluster, how, args.jobs))
        errors = tracebacks(boards["cluster"].log) + tracebacks(boards["single"].log)
        sections = report(args, keys, results, commands, outages, retries, errors)
        path = common.write_result(
            "cluster_failover", "Redis Cluster and failover", sections, single.url
        )
    print(f"wrote {path.relative_to(common.ROOT)}")


def report(
    args: Any,
    keys: int,
    results: dict[str, dict[str, Any]],
    commands: dict[str, float],
    outages: list[Outage],
    retries: list[Retry],
    errors: list[str],
) -> list[str]:
    ratios = {
        key: results[f"{key}/cluster"]["median"] / results[f"{key}/single"]["median"]
        for key in ("ov-page", "ov-api")
    }
    no_500 = all(o.statuses[500] == 0 for o in outages)
    only_503 = all(set(o.statuses) <= {200, 503} for o in outages)
    named = all("Redis at 127.0.0.1:" in a.message for o in outages for a in o.refused)
    recovered = all((w := o.window) is not None and w <= RECOVERY_S for o in outages)
    whole = all(r.whole for r in retries)
    midway = all(r.midway for r in retries)
    return [
        "## What was measured",
        "",
        f"A Redis Cluster of three primaries and three replicas on loopback "
        "(`tests/redis_cluster.py`: `redis-server --cluster-enabled yes`, "
        "`--cluster-node-timeout 2000`, `redis-cli --cluster create --cluster-replicas 1`, no "
        f"persistence) and one private redis-server, both holding {args.queues} queues under "
        f"the prefix `{PREFIX}` with {PER_STATE} jobs in each of wait, active, prioritized, "
        f"delayed, completed and failed ({keys:,} keys each; on the cluster all in the slot of "
        f"`{PREFIX}`, on one primary, as BullMQ's hash tags intend). Two standalone boards "
        "(`board.asgi`, `bench/override_settings.py`: only the BullMQ backend, DEBUG off, "
        f"`BULK_BATCH_SIZE` {args.batch}), one daphne process each, SQLite sessions; the "
        "cluster's with `REDIS_CLUSTER=1`, `REDIS_URL` naming one node and "
        f"`BULLMQ_PREFIX={PREFIX}`, the other with `REDIS_URL` of the single Redis.",
        "",
        "## 1. Views: cluster against single Redis",
        "",
        "As a staff user (session cookie; login and permissions checked on every request). "
        f"Each target has its own keep-alive connection: {args.warmup} warm-up requests, "
        f"then {args.requests} rounds of one request to each of the {2 * len(VIEWS)} targets in "
        "turn (sequential, interleaved, so that other work on the machine falls on all alike). "
        "Client-side wall time, milliseconds.",
        "",
        *common.table(
            [
                "view",
                "request",
                "cluster median",
                "cluster p95",
                "single median",
                "single p95",
                "cluster / single (median)",
                "Redis commands / request (cluster / single)",
            ],
            view_rows(results, commands),
        ),
        "",
        "Redis commands per request: the median over 20 more requests per target with "
        "`INFO commandstats` read around each (summed over every primary and the single "
        "Redis; commands inside scripts count one by one). The board reuses the counts of "
        "all queues for 1 s (`COUNTS_CACHE_SECONDS`) and refreshes them on the first "
        "request after that (ZCARD/LLEN of every state of every "
        f"queue, about {10 * args.queues:,} commands), which the median leaves out. On the "
        "cluster the workers panel reads `CLIENT LIST` on each of the three primaries (3 "
        "against 1).",
        "",
        f"- Cluster overview page within {MOST_RATIO:g}x the single Redis' median "
        f"({ratios['ov-page']:.2f}x): {mark(ratios['ov-page'] <= MOST_RATIO)}",
        f"- Cluster `/api/queues` within {MOST_RATIO:g}x the single Redis' median "
        f"({ratios['ov-api']:.2f}x): {mark(ratios['ov-api'] <= MOST_RATIO)}",
        "",
        "## 2. A primary failing over during page views",
        "",
        "One client (a staff session, a new connection per request) requests `/` and "
        f"`/queue/bullmq/{QUEUE}/?state=failed` in turn, in a loop, from 1 s before the "
        "failover of the primary owning the slot of `{bull}` until 3 s after the cluster agrees "
        "on the new owner (`cluster_state:ok` on every node, one slot layout), and on until "
        "the board answers 200 again. *Switch* is the time the helper took from the start of "
        "the failover to the whole cluster agreeing; *outage window* from the start of the "
        "failover to the end of the first 200 after the last refused request (0: none "
        "refused). After the kill, the old primary is started again and rejoins as a replica.",
        "",
        *common.table(
            [
                "failover",
                "primary (port) old → new",
                "switch s",
                "requests",
                "200",
                "503",
                "500",
                "other / no answer",
                "outage window s",
                "median ms before",
                "max ms during and after",
            ],
            outage_rows(outages),
        ),
        "",
        "What the refused requests said (status: message):",
        "",
        *refusal_lines(outages),
        "",
        f"- No 500 during a failover (gentle and kill): {mark(no_500)}",
        "- Every answer during a failover a 200 or a 503 naming the node "
        f'("Redis at 127.0.0.1:…"): {mark(only_503 and named)}',
        f"- Back to 200 by itself within {RECOVERY_S:g} s of the failover's start: "
        f"{mark(recovered)}",
        "",
        "## 3. A primary failing over during a bulk retry",
        "",
        f"{args.jobs:,} failed jobs (`common.seed_many_failed`) in a queue of their own "
        "(`retry-failover`, `retry-kill`), seeded on the slot's primary. As a superuser, "
        "`POST /api/queues/bullmq/<q>/retry-all` through HTTP with the CSRF token from the "
        "queue page's `csrftoken` cookie (as the page's button does): the board's bulk run, "
        f"in batches of {args.batch}, in daphne's own run pool. The failover starts as soon "
        "as the run reports progress (`/api/runs/<id>`, saved every 0.25 s); the run is "
        "polled to its end, then every state key of the queue is read through the cluster "
        "client. *Done / skipped / failed* are the run's own counts; a batch whose reply was "
        "lost with the primary is redone, so *done* may exceed the jobs.",
        "",
        *common.table(
            [
                "failover",
                "jobs",
                "done when the failover started",
                "done when the cluster agreed",
                "run",
                "done / skipped / failed",
                "batches",
                "run s",
                "in wait exactly once",
                "lost",
                "in two states",
                "left elsewhere",
            ],
            retry_rows(retries),
        ),
        "",
        "The failover hit each run mid-way (the run was still going when it started): "
        + ("yes" if midway else "**no**: re-run with more `--jobs` or a smaller `--batch`"),
        "",
        f"- Nothing lost or duplicated by a bulk retry during a failover (gentle and kill): "
        f"{mark(whole and midway)}",
        "",
        "## Errors logged by the boards",
        "",
        *(
            [f"{len(errors)} tracebacks in daphne's log; the first:", "", "```", errors[0], "```"]
            if errors
            else ["None (no traceback in either daphne's log)."]
        ),
    ]


if __name__ == "__main__":
    main()
