"""Time of the RQ overview: Queueboard under daphne against rq-dashboard and django-rq on the
same Redis.

100 RQ queues written with rq's own API (20 jobs in each of queued, started, deferred,
scheduled, finished, failed and canceled: 14,000 jobs) in a private redis-server. Served over
HTTP on loopback, each target on its own keep-alive connection:

(a) our overview page ``/`` and (b) our ``/api/queues``: the standalone board with only the RQ
    backend (``bench/rq_bench_settings.py``: ``RQ_REDIS_URL``, no counts cache, so every
    request reads Redis) under one daphne process, a staff user's session;
(c) rq-dashboard 0.9.0's ``/0/data/queues.json``, the request its overview polls (every 2.5 s
    by default), under its own ``rq-dashboard`` command, installed by this script into its own
    virtual environment (``~/.cache/queueboard-bench/rq-dashboard``) with the same rq version;
(d) our ``/healthz``: the daphne + Django floor;
(e) django-rq 4.2.0's queues page ``/django-rq/`` (HTML of every queue's counts, like (a)),
    its URLs in a minimal site (``bench/django_rq_site/``) under gunicorn, installed by this
    script into its own virtual environment with the same rq version.

Then the Redis commands per second the board uses with 0, 1 and 20 WebSocket viewers of one
queue's page (the live poller: flat in viewers).

Warm-up requests per target with ``INFO commandstats`` around them (Redis commands per
request), then interleaved timed rounds. Target: ours at most one fifth of theirs, (b) against
(c) and (a) against (e).

    python bench/rq_overview.py [--queues 100] [--requests 200]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import common
import redis

PER_STATE = 20
TARGET_RATIO = 5.0
RQ_DASHBOARD = "rq-dashboard==0.9.0"
VENV = Path.home() / ".cache" / "queueboard-bench" / "rq-dashboard"
DJANGO_RQ = "django-rq==4.2.0"
DJANGO_RQ_VENV = Path.home() / ".cache" / "queueboard-bench" / "django-rq"


def rq_version() -> str:
    import rq

    return str(rq.__version__)


def install_rq_dashboard() -> Path:
    """``rq-dashboard`` in its own venv (once), with the rq version the board uses."""
    binary = VENV / "bin" / "rq-dashboard"
    marker = VENV / f".installed-{RQ_DASHBOARD}-rq-{rq_version()}-six"
    if not marker.exists():
        venv.create(VENV, with_pip=True, clear=True)
        subprocess.run(
            # rq-dashboard 0.9.0 imports six without declaring it.
            [
                str(VENV / "bin" / "pip"),
                "install",
                "-q",
                RQ_DASHBOARD,
                f"rq=={rq_version()}",
                "six",
            ],
            check=True,
        )
        marker.touch()
    return binary


def install_django_rq() -> Path:
    """``django-rq`` (with Django 5.2 and gunicorn) in its own venv (once), with the rq version
    the board uses; its python."""
    python = DJANGO_RQ_VENV / "bin" / "python"
    marker = DJANGO_RQ_VENV / f".installed-{DJANGO_RQ}-rq-{rq_version()}"
    if not marker.exists():
        venv.create(DJANGO_RQ_VENV, with_pip=True, clear=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", DJANGO_RQ, f"rq=={rq_version()}",
             "django>=5.2,<6", "gunicorn>=23"],
            check=True,
        )  # fmt: skip
        marker.touch()
    return python


def start_django_rq(
    stack: contextlib.ExitStack, python: Path, url: str, names: list[str]
) -> tuple[int, str]:
    """django-rq's pages (``bench/django_rq_site``) under gunicorn (one sync worker, as its
    README's deployments run it), a staff user logged in; its port and session key."""
    folder = Path(tempfile.mkdtemp(prefix="django-rq-"))
    stack.callback(shutil.rmtree, folder, ignore_errors=True)
    env = {
        **os.environ,
        "BENCH_RQ_URL": url,
        "BENCH_RQ_QUEUES": ",".join(names),
        "BENCH_RQ_DB": str(folder / "db.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "django_rq_site.settings",
        "PYTHONPATH": str(common.ROOT / "bench"),
    }
    session = common.prepare_database(env, python=str(python))
    port = common.free_port()
    process = subprocess.Popen(
        [str(python), "-m", "gunicorn", "django_rq_site.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--log-level", "warning"],
        env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    stack.callback(common.stop_process, process)
    common.wait_for_port(port, process, "django-rq")
    return port, session


def seed(url: str, names: list[str]) -> None:
    """``PER_STATE`` jobs per state of each queue, through rq's Job, Queue and registries."""
    from rq import Queue
    from rq.job import Job, JobStatus
    from rq.registry import (
        CanceledJobRegistry,
        DeferredJobRegistry,
        FailedJobRegistry,
        FinishedJobRegistry,
        ScheduledJobRegistry,
        StartedJobRegistry,
    )
    from rq.serializers import JSONSerializer

    client = redis.Redis.from_url(url)
    later = datetime.now(UTC) + timedelta(hours=1)
    for name in names:
        queue = Queue(name, connection=client, serializer=JSONSerializer)
        pipe = client.pipeline(transaction=False)
        registries = {
            JobStatus.FINISHED: FinishedJobRegistry(name, connection=client),
            JobStatus.FAILED: FailedJobRegistry(name, connection=client),
            JobStatus.DEFERRED: DeferredJobRegistry(name, connection=client),
            JobStatus.CANCELED: CanceledJobRegistry(name, connection=client),
        }
        for n in range(PER_STATE):
            queue.enqueue("bench.add", n, 1, job_id=f"{name}-queued-{n}", pipeline=pipe)
            for status, registry in registries.items():
                job = Job.create(
                    "bench.add", args=(n, 2), connection=client, origin=name,
                    id=f"{name}-{status.value}-{n}", serializer=JSONSerializer, status=status,
                )  # fmt: skip
                job.save(pipeline=pipe)
                registry.add(job, ttl=86_400, pipeline=pipe)
            job = Job.create(
                "bench.add", args=(n, 3), connection=client, origin=name,
                id=f"{name}-started-{n}", serializer=JSONSerializer, status=JobStatus.STARTED,
            )  # fmt: skip
            job.save(pipeline=pipe)
            started = StartedJobRegistry(name, connection=client).key
            pipe.zadd(started, {f"{job.id}:execution-{n}": time.time() + 3600})
        pipe.execute()
        for n in range(PER_STATE):
            queue.enqueue_at(later, "bench.add", n, 4, job_id=f"{name}-scheduled-{n}")
        assert client.zcard(ScheduledJobRegistry(name, connection=client).key) == PER_STATE
    client.close()


def time_list_queues(url: str, count: int) -> float:
    """Median ms of ``count`` warm ``list_queues()`` calls of the RQ backend, in-process."""
    import asyncio

    from queues.backends.rq import RQBackend

    backend = RQBackend("rq", {"BACKEND": "queues.backends.rq.RQBackend", "OPTIONS": {"url": url}})

    async def run() -> list[float]:
        await backend.list_queues()
        times = []
        for _ in range(count):
            started = time.perf_counter()
            await backend.list_queues()
            times.append(time.perf_counter() - started)
        await backend.close()
        return times

    return common.median_ms(asyncio.run(run()))


async def viewers_load(
    port: int, cookie: str, redis_url: str, viewers: int, window: float
) -> float:
    """Redis commands per second the board uses with ``viewers`` pages of one RQ queue open
    over WebSockets (followed by the live poller) and no job activity."""
    import asyncio

    from tests.live_ws_client import Closed, WsClient

    async def drain(client: WsClient) -> None:
        while True:
            try:
                await client.recv()
            except Closed:
                return

    stats = redis.Redis.from_url(redis_url)
    path = f"ws://127.0.0.1:{port}/ws/queue/rq/queue-0000/"
    sockets = [await WsClient.connect(path, cookie=f"sessionid={cookie}") for _ in range(viewers)]
    drains = [asyncio.create_task(drain(s)) for s in sockets]
    await asyncio.sleep(6.0 if viewers else 30.0)  # snapshots sent / the idle reader stopped
    before = common.commandstats(stats)
    await asyncio.sleep(window)
    delta = common.stats_delta(before, common.commandstats(stats))
    for sock in sockets:
        await sock.close()
    for task in drains:
        task.cancel()
    await asyncio.gather(*drains, return_exceptions=True)
    stats.close()
    return sum(delta.values()) / window


def check_ours(expected: int) -> Any:
    def check(body: bytes) -> None:
        if body.lstrip().startswith(b"{"):
            queues = json.loads(body)["queues"]
            assert len(queues) == expected, f"api/queues listed {len(queues)} queues"
            assert all(sum(q["counts"].values()) == 7 * PER_STATE for q in queues), queues[0]
        else:
            assert body.count(b"/queue/rq/") >= expected, "the overview lacks queues"

    return check


def check_dashboard(expected: int) -> Any:
    def check(body: bytes) -> None:
        queues = json.loads(body)["queues"]
        assert len(queues) == expected, f"rq-dashboard listed {len(queues)} queues"
        assert queues[0]["count"] == PER_STATE, queues[0]
        assert queues[0]["failed_job_registry_count"] == PER_STATE, queues[0]

    return check


def check_django_rq(expected: int) -> Any:
    def check(body: bytes) -> None:
        last = f"queue-{expected - 1:04d}".encode()
        assert last in body and b"queue-0000" in body, "django-rq did not list every queue"

    return check


def check_floor(expected: int) -> Any:
    def check(body: bytes) -> None:
        assert body == b"ok", body

    return check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--window", type=float, default=10.0)
    args = parser.parse_args()

    with common.step(f"installing {RQ_DASHBOARD} into {VENV}"):
        dashboard = install_rq_dashboard()
    with common.step(f"installing {DJANGO_RQ} into {DJANGO_RQ_VENV}"):
        django_rq_python = install_django_rq()
    with common.Stack() as stack:
        server = common.start_redis(stack)
        names = [f"queue-{n:04d}" for n in range(args.queues)]
        with common.step(f"seeding {args.queues} RQ queues"):
            seed(server.url, names)
        stats = redis.Redis.from_url(server.url)
        stack.callback(stats.close)
        keys = stats.dbsize()

        env = common.temp_board_env(stack, server.url)
        env.pop("REDIS_URL", None)
        env.update({"RQ_REDIS_URL": server.url, "DJANGO_SETTINGS_MODULE": "rq_bench_settings"})
        with common.step("migrating and logging in"):
            session = common.prepare_database(env)
        with common.step("starting daphne"):
            port = common.start_daphne(stack, env)
        with common.step("starting rq-dashboard"):
            dashboard_port = common.free_port()
            process = subprocess.Popen(
                [str(dashboard), "--redis-url", server.url, "--bind", "127.0.0.1",
                 "--port", str(dashboard_port)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            stack.callback(common.stop_process, process)
            common.wait_for_port(dashboard_port, process, "rq-dashboard")
        with common.step("starting django-rq under gunicorn"):
            django_rq_port, django_rq_session = start_django_rq(
                stack, django_rq_python, server.url, names
            )

        targets = [
            ("(a) Queueboard overview page `/`", port, session, "/", check_ours),
            ("(b) Queueboard `/api/queues`", port, session, "/api/queues", check_ours),
            ("(c) rq-dashboard `/0/data/queues.json`", dashboard_port, None,
             "/0/data/queues.json", check_dashboard),
            ("(d) Queueboard `/healthz` (the daphne + Django floor)", port, None, "/healthz",
             check_floor),
            ("(e) django-rq queues page `/django-rq/`", django_rq_port, django_rq_session,
             "/django-rq/", check_django_rq),
        ]  # fmt: skip
        results = common.measure_interleaved(
            targets, stats, args.warmup, args.requests, args.queues
        )
        unchanged = stats.dbsize() == keys
        import asyncio

        loads = {}
        for viewers in (0, 1, 20):
            with common.step(f"Redis commands per second with {viewers} viewers of one queue"):
                loads[viewers] = asyncio.run(
                    viewers_load(port, session, server.url, viewers, args.window)
                )
        os.environ.update(env)
        import django

        django.setup()
        with common.step("timing list_queues() in-process"):
            backend_ms = time_list_queues(server.url, args.requests)

        by_key = {label[:3]: result for label, result in results.items()}
        ratio_rows, verdicts = [], []
        for key, name, other in (
            ("(b)", "`api/queues`", "(c)"),
            ("(a)", "overview page", "(e)"),
            ("(a)", "overview page", "(c)"),
        ):
            theirs = by_key[other]
            ratio = theirs["median"] / by_key[key]["median"]
            if (other == "(c)" and key == "(b)") or other == "(e)":
                verdicts.append(ratio >= TARGET_RATIO)
            ratio_rows.append([
                f"{key} {name} vs {other}", f"{ratio:.1f}x",
                f"{theirs['p95'] / by_key[key]['p95']:.1f}x",
                "**met**" if ratio >= TARGET_RATIO else "**not met**",
            ])  # fmt: skip
        rows = [
            [
                label,
                f"{result['median']:.2f}",
                f"{result['p95']:.2f}",
                f"{sum(result['delta'].values()) / args.warmup:.1f}",
                f"{result['usec'] / 1000:.2f}",
                common.describe_delta(result["delta"], args.warmup),
                f"{result['bytes']:,}",
            ]
            for label, result in results.items()
        ]
        sections = [
            "## What was measured",
            "",
            f"{args.queues} RQ queues written with rq {rq_version()}'s own API (`Queue.enqueue`, "
            "`Queue.enqueue_at`, `Job.create` + `save` + each registry's `add`), "
            f"{PER_STATE} jobs in each of queued, started, deferred, scheduled, finished, failed "
            f"and canceled ({keys:,} keys), JSON serializer, in a private redis-server. Each "
            f"target has its own keep-alive HTTP/1.1 connection on loopback: {args.warmup} "
            f"warm-up requests per target, then {args.requests} timed rounds of one request to "
            "each target in turn (sequential; interleaved so that noise from other work on the "
            "machine falls on every target alike). Time = client-side wall time from sending "
            "the request to reading the whole body.",
            "",
            "- Queueboard: the standalone board with only the RQ backend (`RQ_REDIS_URL`, "
            "settings `bench/rq_bench_settings.py`, DEBUG off, **no counts cache**, so every "
            "request reads Redis) under one daphne process, a staff user's session.",
            f"- {RQ_DASHBOARD} with rq {rq_version()}, installed by the script into its own "
            "virtual environment, run by its `rq-dashboard` command (Flask's server, as its "
            "README starts it). `/0/data/queues.json` is what its queues page polls.",
            f"- {DJANGO_RQ} with rq {rq_version()} and Django 5.2, installed by the script "
            "into its own virtual environment, its URLs mounted as its README says "
            "(`bench/django_rq_site/`, SQLite sessions, DEBUG off, every queue in "
            "`RQ_QUEUES`), under gunicorn with one sync worker, a staff user's session. "
            "`/django-rq/` is its queues page: an HTML table of every queue's counts.",
            "",
            "Redis commands per request are `INFO commandstats` deltas over each target's "
            "warm-up block divided by its requests. Neither target changed the data: "
            f"{'the key count was the same after the run' if unchanged else 'KEYS CHANGED'}.",
            "",
            "## Results",
            "",
            *common.table(
                [
                    "target",
                    "median ms",
                    "p95 ms",
                    "Redis commands / request",
                    "Redis execution ms / request",
                    "commands by name / request",
                    "response bytes",
                ],
                rows,
            ),
            "",
            "## Target: ours at most one fifth of theirs",
            "",
            *common.table(
                ["comparison", "theirs / ours (median)", "theirs / ours (p95)", "≥ 5x"],
                ratio_rows,
            ),
            "",
            "Target (like for like: (b), our JSON of every queue's counts, against (c), "
            "rq-dashboard's JSON that its queues page polls; (a), our overview page, against "
            "(e), django-rq's queues page, both HTML of every queue's counts rendered by "
            "Django): " + ("**met**" if all(verdicts) else "**not met**") + ".",
            "",
            "(a) is the whole overview page, HTML of every queue's row with the board's other "
            "per-queue features (sparklines of the metrics history read from the board's "
            "database, badges, the workers' presence); rq-dashboard serves no such page (its "
            "HTML is a static shell filled by (c)), so (a) against (c) is shown for reference "
            "only. With the board's default counts cache (1 s, off here) most overview "
            "requests read no Redis at all.",
            "",
            "## Redis load with viewers",
            "",
            "RQ has no event stream: the board's default poller follows it (one reader per "
            "deployment, whatever the number of viewers: `list_queues()` for every queue, then "
            "the first page of each state of the queues someone has open). Redis commands per "
            f"second used by the board over {args.window:g} s with that many WebSocket viewers "
            "of `queue-0000`'s page and no job activity (`INFO commandstats` deltas; the "
            "viewers open their sockets first):",
            "",
            *common.table(
                ["viewers", "Redis commands / s"],
                [[str(n), f"{rate:.0f}"] for n, rate in loads.items()],
            ),
            "",
            "Not growing with viewers (0 viewers: the reader stops when nobody watches). Most "
            "of these are the `LLEN`/`ZCARD` calls inside one counts script call per poll "
            "(Redis counts them one by one): 7 per queue, 100 queues, about one poll a second.",
            "",
            "## Why",
            "",
            f"- The RQ backend's `list_queues()` alone, in-process against the same Redis, warm "
            f"(median of {args.requests}): {backend_ms:.2f} ms.",
            "- Ours: one script call (`EVALSHA`, `COUNTS_LUA` in `queues/backends/rq/reads.py`) "
            "running `SMEMBERS rq:queues`, `EXISTS rq:suspended` and one `LLEN` or `ZCARD` per "
            "queue and state inside Redis: one round trip and one reply for every queue at "
            "once. The overview page adds one pipeline of `SCARD rq:workers:<queue>` (the "
            '"no workers" badge).',
            "- rq-dashboard: `Queue.all()` then, per queue, `Queue.count` and one "
            "`get_job_count(cleanup=False)` per registry, each its own round trip (about "
            "seven per queue).",
            "- django-rq: per queue, its registries cleaned (`clean_registries`, run on every "
            "view of the page), the oldest job fetched, the workers counted and each "
            "registry's length read, each its own round trip.",
        ]
        path = common.write_result(
            "rq_overview",
            "RQ overview time: Queueboard vs rq-dashboard and django-rq",
            sections,
            server.url,
        )
        print(f"wrote {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
