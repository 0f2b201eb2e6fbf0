"""Faults: what the user sees while Redis or the database fails, how fast the board recovers,
and that no job is lost or duplicated (issue 5, item 5).

Every scenario runs against private servers on loopback ports, is bounded in time and cleans up:

a. Redis killed (SIGKILL) and restarted while pages and the API are requested.
b. Redis killed and restarted during a bulk retry of 100,000 failed jobs (action API).
c. Redis killed and restarted while the live reader runs (two WebSocket viewers).
d. Redis full: ``maxmemory`` reached with ``noeviction``; actions and pages; then raised.
e. Slow Redis: a proxy delays every reply by 200 ms (and once beyond socket_timeout).
f. Database locked: ``BEGIN EXCLUSIVE`` on the board's SQLite file (and on a separate
   Django Tasks database) for longer than SQLite's lock timeout.

Redis runs with ``--appendonly yes --appendfsync always`` so its data survives ``kill -9``.
Writes ``results/faults.md``. Options: ``--jobs`` (bulk retry size), ``--only a,b,...``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import redis
from common import Stack, seed_queues, step, table, write_result
from fault_board import (
    Answer,
    Board,
    fault_env,
    kill_redis,
    median,
    poll_run,
    restart_redis,
    start_board,
    start_durable_redis,
)
from fault_proxy import SlowProxy
from fault_ws import WsClient, WsClosed

from tests.fixtures_bullmq import where_jobs_are, write_finished_jobs
from tests.redis_server import RedisServer

MAIL = "mail"  # 20 jobs in each of six states (ids 1-120; 101-120 failed)
BULK = "bulk"  # the bulk-retry queue
LIVE = "live"  # jobs added during the live scenario
PAGES = {
    "overview": "/",
    "queue page": f"/queue/bullmq/{MAIL}/?state=failed",
    "job page": f"/queue/bullmq/{MAIL}/job/105/",
    "api/queues": "/api/queues",
    "api jobs": f"/api/queues/bullmq/{MAIL}/jobs?state=failed",
}
DOWN_SECONDS = 3.0
RECOVERY_LIMIT = 30.0


#: Run statuses of a run still under way (queued for a bulk worker, or running).
ACTIVE = ("queued", "running")


def invariant(url: str, queue: str, expected_ids: set[str] | None = None) -> dict[str, Any]:
    """Every job id in exactly one state key; every id still has its hash; none missing."""
    found = where_jobs_are(url, queue)
    client = redis.Redis.from_url(url)
    try:
        ids = sorted(found)
        pipe = client.pipeline(transaction=False)
        for job_id in ids:
            pipe.exists(f"bull:{queue}:{job_id}")
        hashes = sum(pipe.execute()) if ids else 0
    finally:
        client.close()
    duplicated = [job_id for job_id, states in found.items() if len(states) != 1]
    missing = sorted(expected_ids - set(found)) if expected_ids is not None else []
    states = Counter(states[0] for states in found.values() if len(states) == 1)
    ok = not duplicated and not missing and hashes == len(found)
    return {
        "jobs": len(found),
        "states": dict(sorted(states.items())),
        "in two or more states": len(duplicated),
        "missing": len(missing),
        "without hash": len(found) - hashes,
        "ok": ok,
    }


def describe_invariant(result: dict[str, Any]) -> str:
    states = ", ".join(f"{name} {n}" for name, n in result["states"].items())
    verdict = "holds" if result["ok"] else "BROKEN"
    return (
        f"{result['jobs']} jobs ({states}); in two or more states: "
        f"{result['in two or more states']}; missing: {result['missing']}; "
        f"without hash: {result['without hash']} - invariant {verdict}"
    )


def first_good(board: Board, path: str, limit: float = RECOVERY_LIMIT) -> tuple[float | None, int]:
    """Seconds until ``path`` answers 200 (requests back to back) and the requests it took."""
    started = time.monotonic()
    tries = 0
    while time.monotonic() - started < limit:
        tries += 1
        if board.get(path, timeout=limit).status == 200:
            return time.monotonic() - started, tries
        time.sleep(0.05)
    return None, tries


def seen(answers: list[Answer]) -> str:
    """Distinct (status, message) pairs, with counts."""
    counts = Counter((a.status, a.message[:160]) for a in answers)
    return "<br>".join(f"{n}x **{status}** {message}" for (status, message), n in counts.items())


def fmt(seconds: float | None) -> str:
    return "not within the limit" if seconds is None else f"{seconds:.2f} s"


# -- a. Redis killed during page views -----------------------------------------------------------


def scenario_a(board: Board, server: RedisServer) -> list[str]:
    before = invariant(server.url, MAIL)
    for path in PAGES.values():
        answer = board.get(path)
        if answer.status != 200:
            raise RuntimeError(f"GET {path} answered {answer.status} before the fault.")
    log: list[tuple[float, str, Answer]] = []
    stop = threading.Event()

    def viewer() -> None:  # requests back to back, bounded by count and by the stop event
        for n in range(5000):
            if stop.is_set():
                return
            name = list(PAGES)[n % len(PAGES)]
            answer = board.get(PAGES[name], timeout=20)
            log.append((time.monotonic(), name, answer))

    thread = threading.Thread(target=viewer, daemon=True)
    thread.start()
    time.sleep(2)
    killed = time.monotonic()
    kill_redis(server)
    time.sleep(DOWN_SECONDS)
    restart_redis(server)
    restarted = time.monotonic()
    time.sleep(2)
    stop.set()
    thread.join(30)
    rows = []
    for name, path in PAGES.items():
        during = [a for t, n, a in log if n == name and killed <= t - a.seconds and t <= restarted]
        after = [
            t for t, n, a in log if n == name and t - a.seconds >= restarted and a.status == 200
        ]
        recovery, _tries = first_good(board, path) if not after else (after[0] - restarted, 0)
        slowest = max((a.seconds for a in during), default=float("nan"))
        rows.append([name, f"`{path}`", seen(during) or "-", f"{slowest:.2f} s", fmt(recovery)])
    after = invariant(server.url, MAIL)
    same = before == after
    return [
        "## a. Redis killed (SIGKILL) and restarted during page views",
        "",
        f"One viewer requests the five targets in turn, back to back; Redis is killed with "
        f"SIGKILL 2 s in, stays down {DOWN_SECONDS:g} s, and is restarted on the same port and "
        "data directory. *During* counts the requests sent and answered while Redis was down; "
        "*recovery* is the time from the restart to the target's first 200.",
        "",
        *table(
            ["Target", "Path", "During the outage (status, message)", "Slowest", "Recovery"],
            rows,
        ),
        "",
        f"- Requests in total: {len(log)}; answers other than 200 or 503 outside the outage: "
        f"{sum(1 for t, _n, a in log if a.status not in (200, 503))}",
        f"- Invariant before: {describe_invariant(before)}",
        f"- Invariant after: {describe_invariant(after)}; identical to before: {same}",
        "",
    ]


# -- b. Redis killed during a bulk retry of 100,000 jobs -----------------------------------------


def scenario_b(board: Board, server: RedisServer, jobs: int) -> list[str]:
    with step(f"b: writing {jobs} failed jobs"):
        ids = set(write_finished_jobs(server.url, BULK, jobs))
    before = invariant(server.url, BULK, ids)
    board.fetch_csrf(f"/queue/bullmq/{BULK}/")
    path = f"/api/queues/bullmq/{BULK}/retry-all"
    refused = board.request("POST", path, csrf=False)
    started = time.monotonic()
    answer = board.post(path)
    if answer.status != 202:
        raise RuntimeError(f"retry-all answered {answer.status}: {answer.text[:300]}")
    run_id = answer.json()["run"]["id"]
    threshold = jobs // 5
    run = poll_run(
        board,
        run_id,
        lambda r: r["done"] >= threshold or r["status"] not in ACTIVE,
        300,
    )
    done_at_kill = run["done"]
    killed = time.monotonic()
    kill_redis(server)
    first = poll_run(board, run_id, lambda r: r["status"] not in ACTIVE, 60)
    ended_after = time.monotonic() - killed
    time.sleep(1)
    restart_redis(server)
    recovery, _ = first_good(board, f"/api/queues/bullmq/{BULK}/jobs?state=failed")
    middle = invariant(server.url, BULK, ids)
    second_answer = board.post(path)
    second_started = time.monotonic()
    second: dict[str, Any] = {}
    if second_answer.status == 202:
        second_id = second_answer.json()["run"]["id"]
        second = poll_run(board, second_id, lambda r: r["status"] not in ACTIVE, 600)
    second_took = time.monotonic() - second_started
    after = invariant(server.url, BULK, ids)
    return [
        f"## b. Redis killed during a bulk retry of {jobs:,} failed jobs",
        "",
        f"`POST {path}` as a superuser with the CSRF token from the page's `csrftoken` cookie "
        f"(without it: **{refused.status}**). Redis is killed once the run reports at least "
        f"{threshold:,} done, and restarted 1 s after the run ended.",
        "",
        *table(
            ["Step", "Figure"],
            [
                ["First run started (202)", f"run `{run_id}`, expected {jobs:,}"],
                ["Done when Redis was killed", f"{done_at_kill:,} after {killed - started:.1f} s"],
                [
                    "First run ended as",
                    f"**{first.get('status')}** {ended_after:.2f} s after the kill",
                ],
                ["Its message", f"{first.get('message')}"],
                ["Restart to first good answer of the jobs API", fmt(recovery)],
                ["Between the runs", describe_invariant(middle)],
                [
                    "Second retry-all",
                    f"{second_answer.status}; **{second.get('status')}** in {second_took:.1f} s",
                ],
                ["Its message", f"{second.get('message')}"],
                [
                    "First run done + second run done",
                    f"{(first.get('done') or 0) + (second.get('done') or 0):,} of {jobs:,}",
                ],
            ],
        ),
        "",
        f"- Invariant before: {describe_invariant(before)}",
        f"- Invariant after both runs: {describe_invariant(after)}",
        "",
    ]


# -- c. Redis killed while the live reader runs --------------------------------------------------


def scenario_c(board: Board, server: RedisServer) -> list[str]:
    targets = {"overview": "/ws/", "queue page": f"/ws/queue/bullmq/{MAIL}/"}
    added: list[str] = []
    refused_adds = 0
    stop = threading.Event()

    def producer() -> None:  # one job every 100 ms as BullMQ's addJob leaves it (wait + event)
        nonlocal refused_adds
        client = redis.Redis.from_url(server.url, socket_timeout=1, socket_connect_timeout=0.5)
        base = f"bull:{MAIL}:"
        for n in range(1, 1000):
            if stop.is_set():
                break
            job_id = f"live-{n}"
            try:
                pipe = client.pipeline(transaction=True)
                pipe.hset(
                    base + job_id,
                    mapping={
                        "name": "live",
                        "data": "{}",
                        "opts": "{}",
                        "timestamp": str(int(time.time() * 1000)),
                    },
                )
                pipe.lpush(base + "wait", job_id)
                pipe.xadd(base + "events", {"event": "waiting", "jobId": job_id}, maxlen=1000)
                pipe.execute()
                added.append(job_id)
            except redis.RedisError:
                refused_adds += 1
            time.sleep(0.1)
        client.close()

    async def watch() -> dict[str, Any]:
        clients: dict[str, WsClient] = {}
        statuses: dict[str, int] = {}
        for name, path in targets.items():
            statuses[name], client = await WsClient.connect(board.port, path, board.session)
            if client is not None:
                clients[name] = client
        if not clients:
            return {"statuses": statuses}
        closed: dict[str, float] = {}

        async def listen(name: str, client: WsClient, until: float) -> None:
            try:
                await client.listen(until)
            except WsClosed:
                closed[name] = time.monotonic()

        thread = threading.Thread(target=producer, daemon=True)
        thread.start()
        began = time.monotonic()
        tasks = [asyncio.create_task(listen(n, c, began + 30)) for n, c in clients.items()]
        await asyncio.sleep(4)
        killed = time.monotonic()
        await asyncio.to_thread(kill_redis, server)
        await asyncio.sleep(DOWN_SECONDS)
        await asyncio.to_thread(restart_redis, server)
        restarted = time.monotonic()
        await asyncio.gather(*tasks)
        stop.set()
        await asyncio.to_thread(thread.join, 10)
        for client in clients.values():
            client.close()
        return {
            "statuses": statuses,
            "clients": clients,
            "closed": closed,
            "began": began,
            "killed": killed,
            "restarted": restarted,
        }

    result = asyncio.run(watch())
    lines = ["## c. Redis killed while the live reader runs", ""]
    if "clients" not in result:
        return [
            *lines,
            f"Pending: the WebSocket routes did not accept a viewer ({result['statuses']}).",
            "",
        ]
    rows = []
    for name, client in result["clients"].items():
        before = sum(1 for t in client.times if result["began"] <= t < result["killed"])
        during = sum(1 for t in client.times if result["killed"] <= t < result["restarted"])
        after = [t for t in client.times if t >= result["restarted"]]
        resumed = f"{after[0] - result['restarted']:.2f} s" if after else "no message"
        gone = result["closed"].get(name)
        state = (
            "open to the end"
            if gone is None
            else f"closed {gone - result['killed']:.1f} s after the kill"
        )
        rows.append([name, f"`{targets[name]}`", before, during, len(after), resumed, state])
    after_inv = invariant(server.url, MAIL)
    added_ids = set(added)
    lost = sorted(added_ids - set(where_jobs_are(server.url, MAIL)))
    return [
        *lines,
        "Two viewers over a raw WebSocket client (`bench/fault_ws.py`, session cookie, same "
        "origin). A producer adds one job every 100 ms to queue "
        f"`{MAIL}` (job hash, LPUSH wait and a `waiting` event in one MULTI). Redis is killed 4 s "
        f"in, down {DOWN_SECONDS:g} s, restarted; the viewers listen 30 s in all.",
        "",
        *table(
            [
                "Viewer",
                "Route",
                "Messages before",
                "During",
                "After",
                "First after restart",
                "Socket",
            ],
            rows,
        ),
        "",
        f"- Jobs added (acknowledged by Redis): {len(added)}; adds refused during the outage: "
        f"{refused_adds}; acknowledged adds missing afterwards: {len(lost)}",
        f"- Invariant of `{MAIL}` afterwards: {describe_invariant(after_inv)}",
        "",
    ]


# -- d. Redis full --------------------------------------------------------------------------------


def scenario_d(board: Board, server: RedisServer) -> list[str]:
    client = redis.Redis.from_url(server.url)
    before = invariant(server.url, MAIL)
    board.fetch_csrf(f"/queue/bullmq/{MAIL}/")
    used = int(client.info("memory")["used_memory"])
    limit = used + 512 * 1024
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", limit)
    filler = 0
    with contextlib.suppress(redis.exceptions.OutOfMemoryError, redis.ResponseError):
        for filler in range(1, 10_000):
            client.set(f"filler:{filler}", b"x" * 16_384)
    oom = client.info("memory")
    actions = {
        "retry job 101": ("POST", f"/api/queues/bullmq/{MAIL}/jobs/101/retry"),
        "promote job 61 (delayed)": ("POST", f"/api/queues/bullmq/{MAIL}/jobs/61/promote"),
        "pause queue": ("POST", f"/api/queues/bullmq/{MAIL}/pause"),
        "retry-all (bulk run)": ("POST", f"/api/queues/bullmq/{MAIL}/retry-all"),
    }
    reads = {name: ("GET", path) for name, path in PAGES.items()}

    def attempt() -> list[tuple[str, str, Answer, str]]:
        out = []
        for name, (method, path) in {**actions, **reads}.items():
            answer = board.request(method, path)
            extra = ""
            if answer.status == 202:
                run = poll_run(
                    board,
                    answer.json()["run"]["id"],
                    lambda r: r["status"] not in ACTIVE,
                    60,
                )
                extra = f"run **{run.get('status')}**: {run.get('message')}"
            out.append((name, path, answer, extra))
        return out

    def row(name: str, path: str, a: Answer, extra: str) -> list[str]:
        return [
            name,
            f"`{path}`",
            f"**{a.status}** {a.message[:200]}{' ' + extra if extra else ''}",
        ]

    full = attempt()
    raised = time.monotonic()
    client.config_set("maxmemory", 0)
    recovery, _ = first_good(board, PAGES["api/queues"])
    # Put the first job back where it was refused: retry job 102 now (101 may have moved).
    again = board.post(f"/api/queues/bullmq/{MAIL}/jobs/102/retry")
    action_ok = time.monotonic() - raised
    resume = board.post(f"/api/queues/bullmq/{MAIL}/resume")
    for key in range(1, filler + 1):
        client.delete(f"filler:{key}")
    client.close()
    after = invariant(server.url, MAIL)
    return [
        "## d. Redis full (maxmemory reached, noeviction)",
        "",
        f"`CONFIG SET maxmemory-policy noeviction`, `maxmemory` = used memory + 512 KiB "
        f"({limit:,} bytes), then 16 KiB strings until Redis refused one ({filler} written; used "
        f"{int(oom['used_memory']):,} of {int(oom['maxmemory']):,}). Each action and read below "
        "was sent once while Redis was full:",
        "",
        *table(["Request", "Path", "Answer (status, message)"], [row(*r) for r in full]),
        "",
        f"After `CONFIG SET maxmemory 0`: first 200 of `/api/queues` after {fmt(recovery)}; "
        f"`retry` of job 102 answered **{again.status}** {again.message or ''} "
        f"({action_ok:.2f} s after the limit was raised); `resume` **{resume.status}**.",
        "",
        f"- Invariant before: {describe_invariant(before)}",
        f"- Invariant after: {describe_invariant(after)}",
        "",
    ]


# -- e. Slow Redis ---------------------------------------------------------------------------------


def scenario_e(
    stack: contextlib.ExitStack, direct: Board, server: RedisServer, tmp: Path
) -> list[str]:
    proxy = stack.enter_context(SlowProxy(server.port, 0.2))
    env = fault_env(
        f"redis://127.0.0.1:{proxy.port}/0",
        tmp / "slow.sqlite3",
        DAPHNE_LOG=str(tmp / "daphne-slow.log"),
    )
    with step("e: starting a daphne behind the slow proxy"):
        slow = start_board(stack, env)
    rounds = 10
    rows = []
    errors = 0
    for name, path in PAGES.items():
        for board in (direct, slow):
            board.get(path)  # warm
        fast_times, slow_times = [], []
        for _ in range(rounds):
            a = direct.get(path)
            b = slow.get(path)
            errors += (a.status != 200) + (b.status != 200)
            fast_times.append(a.seconds)
            slow_times.append(b.seconds)
        rows.append(
            [
                name,
                f"`{path}`",
                f"{median(fast_times) * 1000:.0f} ms",
                f"{median(slow_times) * 1000:.0f} ms",
                f"{max(slow_times) * 1000:.0f} ms",
                f"{median(slow_times) / 0.2:.1f}",
            ]
        )
    proxy.delay = 6.0
    beyond = slow.get(PAGES["api/queues"] + "?fresh=1", timeout=60)
    beyond_page = slow.get(PAGES["queue page"], timeout=60)
    proxy.delay = 0.2
    recovery, tries = first_good(slow, PAGES["queue page"])
    return [
        "## e. Slow Redis: every reply delayed by 200 ms",
        "",
        "A second daphne reaches Redis through `bench/fault_proxy.py`, which holds every reply "
        f"chunk 200 ms. {rounds} interleaved requests per target, to the direct board and the "
        "slowed one, after one warm-up each. *Delays* is the slowed median over 200 ms: about "
        "the number of sequential Redis round trips of the request.",
        "",
        *table(["Target", "Path", "Direct median", "Slowed median", "Slowed max", "Delays"], rows),
        "",
        f"- Answers other than 200: {errors}",
        f"- With replies delayed 6 s (beyond the backend's `socket_timeout` of 5 s): "
        f"`/api/queues` answered **{beyond.status}** after {beyond.seconds:.1f} s: "
        f"{beyond.message[:200]}; the queue page **{beyond_page.status}** after "
        f"{beyond_page.seconds:.1f} s: {beyond_page.message[:200]}",
        "- Back to 200 ms: first 200 of the queue page after "
        f"{fmt(recovery)} ({tries} request(s); replies already held 6 s are still released "
        f"6 s after they were sent, so the fault really ends up to 6 s after the switch)",
        "",
    ]


# -- f. Database locked ---------------------------------------------------------------------------


def locked_round(
    board: Board, db_file: Path, paths: dict[str, str], hold: float
) -> list[list[str]]:
    lock = sqlite3.connect(db_file, timeout=1, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    locked_at = time.monotonic()
    answers: dict[str, Answer] = {}
    try:
        for name, path in paths.items():  # sequentially: SQLite calls share daphne's sync thread
            if time.monotonic() - locked_at > hold - 1:
                break
            answers[name] = who(board, name).get(path, timeout=hold + 30)
        time.sleep(max(0.0, hold - (time.monotonic() - locked_at)))
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    released = time.monotonic()
    recovered: dict[str, float] = {}
    for _ in range(1000):  # every target in turn until each has answered 200 once
        if len(recovered) == len(paths) or time.monotonic() - released > RECOVERY_LIMIT:
            break
        for name, path in paths.items():
            if name not in recovered and who(board, name).get(path, timeout=10).status == 200:
                recovered[name] = time.monotonic() - released
    rows = []
    for name, path in paths.items():
        a = answers.get(name)
        during = f"**{a.status}** after {a.seconds:.1f} s: {a.message[:200]}" if a else "not sent"
        rows.append([name, f"`{path}`", during, fmt(recovered.get(name))])
    return rows


def who(board: Board, name: str) -> Board:
    """The superuser, or an anonymous visitor (no session) for requests named so."""
    return Board(board.port, "") if "anonymous" in name else board


def scenario_f(
    stack: contextlib.ExitStack, server: RedisServer, tmp: Path, timeout: float
) -> list[str]:
    paths = {
        "Tasks queue page": "/queue/tasks/reports/",
        "Tasks jobs API": "/api/queues/tasks/reports/jobs",
        "BullMQ queue page": f"/queue/bullmq/{MAIL}/",
        "overview": "/",
        "admin login page (anonymous)": "/admin/login/",
    }
    hold = 4 * timeout + 4
    one_file = tmp / "one.sqlite3"
    env = fault_env(
        server.url,
        one_file,
        FAULT_SQLITE_TIMEOUT=str(timeout),
        DAPHNE_LOG=str(tmp / "daphne-f1.log"),
    )
    with step("f: a board with one SQLite file"):
        board = start_board(stack, env, tasks=5)
    single = locked_round(board, one_file, paths, hold)
    split_default, split_tasks = tmp / "split.sqlite3", tmp / "split-tasks.sqlite3"
    env = fault_env(
        server.url,
        split_default,
        FAULT_SQLITE_TIMEOUT=str(timeout),
        TASKS_DATABASE_URL=f"sqlite:///{split_tasks}",
        DAPHNE_LOG=str(tmp / "daphne-f2.log"),
    )
    with step("f: a board with the Django Tasks table in its own SQLite file"):
        board2 = start_board(stack, env, tasks=5)
    split = locked_round(board2, split_tasks, paths, hold)
    header = ["Request", "Path", "While locked (status, time, message)", "Recovery after release"]
    return [
        "## f. Database locked",
        "",
        f"A separate connection holds `BEGIN EXCLUSIVE` on the SQLite file for {hold:g} s, longer "
        f"than SQLite's lock timeout, set to {timeout:g} s here (`FAULT_SQLITE_TIMEOUT`; the "
        "board's default is 20 s, which changes only how long each request waits). The requests "
        "are sent one after another with the superuser's session; *recovery* is from the release "
        "to the first 200.",
        "",
        "**The standalone board's layout: one SQLite file for sessions, users and Django Tasks.**",
        "",
        *table(header, single),
        "",
        "**Django Tasks in a database of its own** (`TASKS_DATABASE_URL`, a router sends "
        "`django_tasks_db` there, the backend's `database` option names it); only that file is "
        "locked.",
        "",
        *table(header, split),
        "",
    ]


# -- main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--only", default="a,b,c,d,e,f")
    parser.add_argument("--sqlite-timeout", type=float, default=2.0)
    args = parser.parse_args()
    only = set(args.only.split(","))
    sections: list[str] = []
    started = time.monotonic()
    with Stack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix="qb-faults-"))
        import shutil

        stack.callback(shutil.rmtree, tmp, True)
        server = start_durable_redis(stack)
        seed_queues(server.url, [MAIL], 20)
        env = fault_env(server.url, tmp / "board.sqlite3", DAPHNE_LOG=str(tmp / "daphne.log"))
        with step("starting the board"):
            board = start_board(stack, env, tasks=5)
        scenarios = [
            ("a", lambda: scenario_a(board, server)),
            ("b", lambda: scenario_b(board, server, args.jobs)),
            ("c", lambda: scenario_c(board, server)),
            ("d", lambda: scenario_d(board, server)),
            ("e", lambda: scenario_e(stack, board, server, tmp)),
            ("f", lambda: scenario_f(stack, server, tmp, args.sqlite_timeout)),
        ]
        for name, run in scenarios:
            if name in only:
                with step(f"scenario {name}"):
                    sections += run()
        log = (tmp / "daphne.log").read_text(errors="replace")
        tracebacks = log.count("Traceback")
        logs = {p.name: p.read_text(errors="replace") for p in tmp.glob("daphne*.log")}
        errors_500 = {name: text.count("Traceback") for name, text in logs.items()}
        with contextlib.suppress(Exception):
            (Path(tempfile.gettempdir()) / "qb-faults-daphne.log").write_text(
                "\n".join(f"==> {k}\n{v}" for k, v in logs.items())
            )
        sections += [
            "## Server logs",
            "",
            f"Tracebacks in daphne's stderr per board: {errors_500} (main board: {tracebacks}). "
            "The logs of the last run are copied to `$TMPDIR/qb-faults-daphne.log`.",
            "",
            f"Total time: {time.monotonic() - started:.0f} s.",
        ]
        path = write_result(
            "faults",
            "Faults: Redis killed, full and slow; the database locked",
            [
                "Redis: private `redis-server` with `--appendonly yes --appendfsync always` in its "
                "own temp dir, so its data survives `kill -9` (the machine line above is the "
                "shared wording of `common.py`); the board: daphne with "
                "`bench/fault_settings.py` (both backends, DEBUG off), a superuser session.",
                "",
                *sections,
            ],
            server.url,
        )
    print(path, file=sys.stderr)


if __name__ == "__main__":
    main()
