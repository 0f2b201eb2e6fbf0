"""Django Tasks at a million rows: every page of a queue with 1,000,000 results and of a queue
with 1,000 beside it, against the same pages of a board whose database holds 1,000 in all.

django-tasks-db's result table (its own indexes only: the READY rows' partial ordering index,
``queue_name`` and ``backend_name``) filled with bulk inserts (SQLite: ``executemany`` in one
transaction; PostgreSQL: ``COPY``, then ``ANALYZE`` as autovacuum would) in a mix of states:
88 % successful, 8 % failed, 3 % waiting, 0.5 % delayed, 0.5 % running. Databases:

- "million": queue ``big`` with ``--big`` rows (1,000,000) and queue ``small`` with ``--small``
  (1,000);
- "thousand": 500 rows in ``big`` and 500 in ``small``, the same mix.

Each is served by the standalone board (only its Django Tasks backend,
``bench/tasks_rows_settings.py``) under one daphne process with a staff user's session and the
overview's counts reuse off (``QUEUEBOARD_COUNTS_CACHE_SECONDS=0``), on SQLite and, when a
server answers ``--pg-url``, on PostgreSQL. Pages timed: the overview ``/``, ``api/queues``,
each state tab of each queue (``?state=``) and a job page of each queue (its newest failed
job). Requests are sequential and interleaved (each page on "million", then on "thousand", then
the next page, round after round) after warm-up requests. Target: every page's median on
"million" at most 1.5x the same page's on "thousand". ``--check`` exits 1 when one is missed.

    python bench/tasks_million_rows.py [--big 1000000] [--small 1000] [--requests 15]
        [--pg-url postgres://postgres@127.0.0.1:5432/postgres | --pg-url none] [--check]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import common

TARGET_RATIO = 1.5
STALE_TRIES = 5
STATES = ("active", "waiting", "delayed", "completed", "failed")
#: Per 1,000 rows: (status, how many, board state).
MIX = (
    ("SUCCESSFUL", 880, "completed"),
    ("FAILED", 80, "failed"),
    ("READY", 30, "waiting"),
    ("READY_DELAYED", 5, "delayed"),
    ("RUNNING", 5, "active"),
)
COLUMNS = (
    "id",
    "status",
    "enqueued_at",
    "started_at",
    "finished_at",
    "args_kwargs",
    "priority",
    "task_path",
    "worker_ids",
    "queue_name",
    "backend_name",
    "run_after",
    "return_value",
    "exception_class_path",
    "traceback",
    "metadata",
)
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/tasks.py", line 12, in work\n'
    "    raise ValueError(f'bad input {n}')\n"
    "ValueError: bad input {n}\n"
)
BASE = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def status_of(i: int) -> str:
    slot = i * 389 % 1000  # the states spread over the rows (389 is prime to 1000)
    for status, many, _state in MIX:
        if slot < many:
            return status
        slot -= many
    raise AssertionError


def job_id(queue_index: int, i: int) -> uuid.UUID:
    return uuid.UUID(int=(queue_index << 96) | (0x4000 << 64) | i)


def newest_failed(count: int) -> int:
    return max(i for i in range(max(count - 1000, 0), count) if status_of(i) == "FAILED")


def rows_of(queue: str, queue_index: int, count: int, vendor: str) -> Any:
    """The rows of one queue as the database stores them (text for every column)."""
    date_max = "9999-01-01 00:00:00"
    delayed_until = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    sqlite = vendor == "sqlite"

    def when(moment: dt.datetime) -> str:
        text = moment.strftime("%Y-%m-%d %H:%M:%S.%f")
        return text if sqlite else text + "+00"

    for i in range(count):
        status = status_of(i)
        enqueued = BASE + dt.timedelta(seconds=i * 0.5)
        started = finished = None
        run_after = date_max if sqlite else date_max + "+00"
        result = None
        exception = traceback = ""
        workers = "[]"
        if status == "READY_DELAYED":
            status, run_after = "READY", when(delayed_until + dt.timedelta(seconds=i))
        elif status != "READY":
            started = when(enqueued + dt.timedelta(seconds=2))
            workers = '["worker-1"]'
            if status != "RUNNING":
                finished = when(enqueued + dt.timedelta(seconds=3 + i % 7))
            if status == "SUCCESSFUL":
                result = str(i)
            elif status == "FAILED":
                exception = "builtins.ValueError"
                traceback = TRACEBACK.replace("{n}", str(i))
        pk = job_id(queue_index, i)
        yield dict(
            zip(
                COLUMNS,
                (
                    pk.hex if sqlite else str(pk),
                    status,
                    when(enqueued),
                    started,
                    finished,
                    json.dumps({"args": [i], "kwargs": {"label": f"item-{i}"}}),
                    0,
                    "bench.tasks.work",
                    workers,
                    queue,
                    "default",
                    run_after,
                    result,
                    exception,
                    traceback,
                    "{}",
                ),
                strict=True,
            )
        )


def fill(spec: list[str]) -> None:
    """In a process with the board's settings: insert ``queue:count`` rows for each spec."""
    import django

    django.setup()
    from django.db import connection, transaction
    from django_tasks_db.models import DBTaskResult

    table = DBTaskResult._meta.db_table
    # The columns of the installed django-tasks-db (its later versions dropped ``metadata``).
    columns = [f.column for f in DBTaskResult._meta.concrete_fields if f.column in COLUMNS]
    vendor = connection.vendor
    for queue_index, item in enumerate(spec, 1):
        queue, count = item.split(":")
        rows = (
            tuple(row[c] for c in columns)
            for row in rows_of(queue, queue_index, int(count), vendor)
        )
        if vendor == "postgresql":
            connection.ensure_connection()
            raw = connection.connection
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            raw.commit()
        else:
            marks = ", ".join("%s" for _ in columns)
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            with transaction.atomic(), connection.cursor() as cursor:
                batch: list[Any] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) == 50_000:
                        cursor.executemany(sql, batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")


def insert_one(database_url: str, queue: str) -> None:
    """One waiting row added to ``queue`` (committed), as a worker's application would."""
    row = next(rows_of(queue, 0, 1, "sqlite" if database_url.startswith("sqlite") else "pg"))
    row = {**row, "status": "READY", "id": uuid.uuid4()}
    row.update(started_at=None, finished_at=None, return_value=None, worker_ids="[]")
    row.update(exception_class_path="", traceback="")
    table = "django_tasks_database_dbtaskresult"
    if database_url.startswith("sqlite"):
        with contextlib.closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as db:
            names = {info[1] for info in db.execute(f"PRAGMA table_info({table})")}
            columns = [c for c in COLUMNS if c in names]
            row["id"] = row["id"].hex
            marks = ", ".join("?" for _ in columns)
            with db:
                db.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    [row[c] for c in columns],
                )
        return
    import psycopg

    with psycopg.connect(database_url) as db:
        found = db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s", [table]
        )
        names = {name for (name,) in found}
        columns = [c for c in COLUMNS if c in names]
        marks = ", ".join("%s" for _ in columns)
        db.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            [str(row[c]) if c == "id" else row[c] for c in columns],
        )


def waiting_in(client: common.HttpClient, queue: str) -> int:
    status, body = client.get("/api/queues")
    if status != 200:
        raise RuntimeError(f"GET /api/queues answered {status}: {body[:300]!r}")
    for entry in json.loads(body)["queues"]:
        if entry["name"] == queue:
            return int(entry["counts"]["waiting"])
    raise RuntimeError(f"no queue {queue!r} in /api/queues")


def staleness(port: int, session: str, database_url: str, queue: str) -> float:
    """Seconds from a row added to ``queue`` until ``api/queues`` counts it (polled every
    20 ms): how old a kept count gets."""
    client = common.HttpClient(port, session)
    before = waiting_in(client, queue)
    insert_one(database_url, queue)
    added = time.monotonic()
    while waiting_in(client, queue) == before:
        if time.monotonic() - added > 300:
            raise RuntimeError("the added row was not counted within 300 s")
        time.sleep(0.02)
    client.close()
    return time.monotonic() - added


def board_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(common.BENCH), str(common.ROOT), *filter(None, [env.get("PYTHONPATH")])]
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tasks_rows_settings",
            "PYTHONPATH": os.pathsep.join(paths),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-only-secret",
            "LOG_LEVEL": "WARNING",
            "QUEUEBOARD_COUNTS_CACHE_SECONDS": "0",
        }
    )
    for name in ("DEBUG", "REDIS_URL", "RQ_REDIS_URL", "TASKS_QUEUES"):
        env.pop(name, None)
    return env


def pg_database(stack: contextlib.ExitStack, admin_url: str, name: str) -> str:
    """A fresh database ``name`` on the server of ``admin_url`` (dropped on exit); its URL."""
    import psycopg

    def run(sql: str) -> None:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}"')
    run(f'CREATE DATABASE "{name}"')
    stack.callback(run, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    parts = urlsplit(admin_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def start(
    stack: contextlib.ExitStack, database_url: str, spec: list[str]
) -> tuple[int, str, dict[str, str]]:
    env = board_env(database_url)
    session = common.prepare_database(env)
    subprocess.run(
        [common.PYTHON, str(Path(__file__).resolve()), "--fill", *spec],
        env=env,
        cwd=common.ROOT,
        check=True,
    )
    return common.start_daphne(stack, env), session, env


def pages(sizes: dict[str, int]) -> list[tuple[str, str]]:
    out = [("overview `/`", "/"), ("`api/queues`", "/api/queues")]
    for index, queue in enumerate(("big", "small"), 1):
        for state in STATES:
            out.append((f"`{queue}` {state} tab", f"/queue/tasks/{queue}/?state={state}"))
        pk = job_id(index, newest_failed(sizes[queue]))
        out.append((f"`{queue}` job page", f"/queue/tasks/{queue}/job/{pk}/"))
    return out


def measure(
    boards: dict[str, tuple[int, str, dict[str, str]]],
    spec: dict[str, dict[str, int]],
    args: Any,
) -> list[dict[str, Any]]:
    """Per page: the medians on "million" and "thousand" (interleaved requests)."""
    clients = {
        name: common.HttpClient(port, session) for name, (port, session, _) in boards.items()
    }
    paths = {name: pages(spec[name]) for name in boards}
    rows = [
        {"page": label, "paths": {name: paths[name][i][1] for name in boards}, "times": {}}
        for i, (label, _path) in enumerate(paths["million"])
    ]
    for row in rows:
        row["times"] = {name: [] for name in boards}

    def get(name: str, path: str) -> float:
        started = time.perf_counter()
        status, body = clients[name].get(path)
        took = time.perf_counter() - started
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
        return took

    with common.step(f"warming up ({args.warmup} requests per page and board)"):
        for _ in range(args.warmup):
            for row in rows:
                for name in boards:
                    get(name, row["paths"][name])
    with common.step(f"timing {args.requests} interleaved rounds"):
        for _ in range(args.requests):
            for row in rows:
                for name in boards:
                    row["times"][name].append(get(name, row["paths"][name]))
    for client in clients.values():
        client.close()
    for row in rows:
        row["median"] = {name: common.median_ms(t) for name, t in row["times"].items()}
        row["ratio"] = row["median"]["million"] / row["median"]["thousand"]
        row["met"] = row["ratio"] <= TARGET_RATIO
    return rows


def section(title: str, rows: list[dict[str, Any]], stale: dict[str, list[float]]) -> list[str]:
    table = common.table(
        ["page", "1,000,000 + 1,000 rows (ms)", "1,000 rows (ms)", "ratio", "target 1.5x"],
        (
            [
                row["page"],
                f"{row['median']['million']:.1f}",
                f"{row['median']['thousand']:.1f}",
                f"{row['ratio']:.2f}x",
                "met" if row["met"] else "**not met**",
            ]
            for row in rows
        ),
    )
    met = sum(row["met"] for row in rows)
    big, small = sorted(stale["big"]), sorted(stale["small"])
    ages = (
        f"Rows added one at a time after the timed rounds ({len(big)} to each queue, "
        "`api/queues` polled every 20 ms): one added to `big` was counted after "
        f"{common.median_ms(big) / 1000:.2f} s (median; longest {big[-1]:.2f} s), kept counts "
        "refreshed in the background; one added to `small` after "
        f"{common.median_ms(small) / 1000:.2f} s (longest {small[-1]:.2f} s), counted on every "
        "request."
    )
    return [
        f"## {title}",
        "",
        f"{met} of {len(rows)} pages within 1.5x.",
        "",
        *table,
        "",
        ages,
        "",
    ]


def run_database(
    kind: str, args: Any, make_url: Any
) -> tuple[list[dict[str, Any]], dict[str, list[float]]]:
    spec = {
        "million": {"big": args.big, "small": args.small},
        "thousand": {"big": 500, "small": 500},
    }
    with common.Stack() as stack:
        boards: dict[str, tuple[int, str, dict[str, str]]] = {}
        for name, sizes in spec.items():
            with common.step(f"{kind}: filling and starting the {name!r} board"):
                url = make_url(stack, name)
                boards[name] = start(stack, url, [f"{q}:{n}" for q, n in sizes.items()])
        rows = measure(boards, spec, args)
        port, session, env = boards["million"]
        stale: dict[str, list[float]] = {"small": [], "big": []}
        with common.step(f"{kind}: how late an added row is counted ({STALE_TRIES} times)"):
            for _ in range(STALE_TRIES):
                for queue, ages in stale.items():
                    ages.append(staleness(port, session, env["DATABASE_URL"], queue))
                    time.sleep(0.3)
        return rows, stale


def write_result(sections: list[str], versions: list[str]) -> Path:
    """``common.write_result`` without its Redis and Node lines (none run here)."""
    common.RESULTS.mkdir(exist_ok=True)
    path = common.RESULTS / "tasks_million_rows.md"
    facts = [line for line in common.machine() if not line.startswith(("- Redis", "- Node"))]
    lines = [
        "# Django Tasks at a million rows",
        "",
        "Written by the script; re-running it regenerates this file.",
        "",
        *facts,
        *versions,
        f"- Command: `{common.command_line()}` (from the repository root)",
        "",
        *sections,
    ]
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fill", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.fill:
        fill(args.fill)
        return 0

    sections: list[str] = []
    versions = [f"- SQLite {sqlite3.sqlite_version} (Python's sqlite3)"]
    results: dict[str, tuple[list[dict[str, Any]], dict[str, list[float]]]] = {}
    if args.only != "postgresql":
        directory = Path(tempfile.mkdtemp(prefix="qb-bench-tasks-"))
        try:
            results["SQLite"] = run_database(
                "SQLite", args, lambda _stack, name: f"sqlite:///{directory / name}.sqlite3"
            )
        finally:
            shutil.rmtree(directory, True)
    pg_problem = None
    if args.only != "sqlite" and args.pg_url != "none":
        try:
            import psycopg

            psycopg.connect(args.pg_url).close()
        except Exception as exc:  # no driver or no server: said in the result
            pg_problem = f"PostgreSQL not measured: {type(exc).__name__}: {exc}".strip()
        else:
            import psycopg as _pg

            with _pg.connect(args.pg_url) as connection:
                server = connection.execute("SHOW server_version").fetchone()
            version = server[0] if server else "?"
            versions.append(f"- PostgreSQL {version}, psycopg {_pg.__version__}")
            results["PostgreSQL"] = run_database(
                "PostgreSQL",
                args,
                lambda stack, name: pg_database(stack, args.pg_url, f"qb_bench_tasks_{name}"),
            )
    for title, (rows, stale) in results.items():
        sections += section(title, rows, stale)
    if pg_problem:
        sections += [pg_problem, ""]
    sections += [
        "## Notes",
        "",
        f'- Rows: {args.big:,} in `big` and {args.small:,} in `small` ("million"), 500 and '
        '500 ("thousand"); per 1,000 rows 880 successful, 80 failed, 30 waiting, 5 delayed, '
        "5 running. Only django-tasks-db's own indexes.",
        f"- Medians of {args.requests} interleaved requests per page and board after "
        f"{args.warmup} warm-up requests; the overview's counts reuse off "
        "(`QUEUEBOARD_COUNTS_CACHE_SECONDS=0`), one daphne process per board.",
        "- The counts and tab pages of a queue of `KEEP_ROWS` (50,000) rows or more are kept "
        "and read again by one background thread once older than 1 s, resting as long as each "
        "read took (`queues/backends/django_tasks/kept.py`); its reads run during the timed "
        "rounds and share the machine's 2 CPUs with the requests. Smaller queues (`small`, "
        'and every queue of "thousand") are counted exactly on every request, through the '
        "`queue_name` index.",
        "- Queue-wide actions count their rows exactly when asked (`count_for`), and every "
        "action or change through the board forgets what is kept.",
    ]
    path = write_result(sections, versions)
    print(path.read_text(encoding="utf-8"))
    if args.check and not all(row["met"] for rows, _ in results.values() for row in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
