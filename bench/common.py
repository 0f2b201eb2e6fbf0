"""Shared pieces of the benchmarks: private servers, BullMQ-shaped data, timing and reports.

Every server is started on a free loopback port by the script that needs it and stopped on exit
(``Stack`` closes what was opened, in reverse order, also on Ctrl-C or an error).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
NODE_DIR = BENCH / "node"
PYTHON = sys.executable
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from tests.redis_server import RedisServer, free_port, start_private_redis  # noqa: E402

PREFIX = "bull"
#: States written by ``seed_queue``: BullMQ key suffix and whether it is a list.
SEED_STATES = (
    ("wait", True),
    ("active", True),
    ("prioritized", False),
    ("delayed", False),
    ("completed", False),
    ("failed", False),
)
LOAD_AT_START = os.getloadavg()
NOW_MS = 1_790_000_000_000  # a fixed clock keeps the written bytes identical between runs


# -- process lifetime ----------------------------------------------------------------------------


class Stack(contextlib.ExitStack):
    """An ExitStack that also runs its cleanups on SIGTERM."""

    def __enter__(self) -> Stack:
        super().__enter__()
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        return self


def start_redis(stack: contextlib.ExitStack) -> RedisServer:
    server = start_private_redis()
    stack.callback(shutil.rmtree, server.directory, True)
    stack.callback(server.stop)
    return server


def stop_process(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def wait_for_port(
    port: int, process: subprocess.Popen[Any], what: str, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} while starting.")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout:g} s.")


# -- BullMQ-shaped data --------------------------------------------------------------------------


def job_hash(queue: str, job_id: int, state: str) -> dict[str, str]:
    """A job hash as BullMQ 6 leaves it in ``state`` (the fields of includes/storeJob.lua)."""
    created = NOW_MS - 3_600_000 + job_id
    fields = {
        "name": "send-email",
        "data": json.dumps({"to": f"user{job_id}@example.com", "template": "welcome", "n": job_id}),
        "opts": json.dumps({"attempts": 3, "backoff": {"type": "exponential", "delay": 1000}}),
        "timestamp": str(created),
        "delay": "0",
        "priority": "0",
        "atm": "0",
    }
    if state == "prioritized":
        fields["priority"] = str(1 + job_id % 5)
    if state == "delayed":
        fields["delay"] = "3600000"
    if state in ("active", "completed", "failed"):
        fields["processedOn"] = str(created + 5)
        fields["ats"] = "1"
    if state == "completed":
        fields["finishedOn"] = str(created + 50)
        fields["returnvalue"] = json.dumps({"sent": True})
        fields["atm"] = "1"
    if state == "failed":
        fields["finishedOn"] = str(created + 50)
        fields["failedReason"] = f"SMTP 451 for job {job_id}"
        fields["stacktrace"] = json.dumps([f"Error: SMTP 451\n    at send ({queue}.js:10:5)"])
        fields["atm"] = "3"
    return fields


def score(state: str, job_id: int, fields: dict[str, str]) -> float:
    if state == "prioritized":
        return int(fields["priority"]) * 2**32 + job_id
    if state == "delayed":
        return (NOW_MS + 3_600_000 + job_id) * 0x1000 + job_id % 0x1000
    return float(fields.get("finishedOn") or fields["timestamp"])


def write_meta(pipe: Any, queue: str, prefix: str = PREFIX) -> None:
    """Queue ``queue``'s ``meta`` hash as a Node bullmq 6.7 ``Queue`` writes it."""
    pipe.hset(
        f"{prefix}:{queue}:meta", mapping={"opts.maxLenEvents": "10000", "version": "bullmq:6.7.0"}
    )


def seed_queue(
    pipe: Any,
    queue: str,
    per_state: int,
    states: Iterable[str] | None = None,
    prefix: str = PREFIX,
) -> None:
    """Queue ``queue`` with ``per_state`` jobs in each state, laid out as BullMQ 6.7 does.

    Lists get LPUSH (newest at the head), zsets their BullMQ scores; plus ``meta`` (as a Node
    Queue writes it), the ``id`` counter, a few ``events`` entries and the priority counter.
    Commands go into ``pipe``; the caller executes it.
    """
    base = f"{prefix}:{queue}:"
    wanted = set(states) if states is not None else {name for name, _ in SEED_STATES}
    write_meta(pipe, queue, prefix)
    job_id = 0
    for state, is_list in SEED_STATES:
        if state not in wanted:
            continue
        members: dict[str, float] = {}
        ids: list[str] = []
        for _ in range(per_state):
            job_id += 1
            fields = job_hash(queue, job_id, state)
            pipe.hset(base + str(job_id), mapping=fields)
            if is_list:
                ids.append(str(job_id))
            else:
                members[str(job_id)] = score(state, job_id, fields)
        if ids:
            pipe.lpush(base + state, *ids)
        if members:
            pipe.zadd(base + state, members)
        if state == "prioritized" and per_state:
            pipe.set(base + "pc", per_state)
    pipe.set(base + "id", job_id)
    for n in range(min(job_id, 3)):
        pipe.xadd(base + "events", {"event": "added", "jobId": str(n + 1), "name": "send-email"})


def seed_queues(url: str, names: list[str], per_state: int, prefix: str = PREFIX) -> None:
    client = redis.Redis.from_url(url)
    try:
        seed_queues_with(client, names, per_state, prefix)
    finally:
        client.close()


def seed_queues_with(client: Any, names: list[str], per_state: int, prefix: str = PREFIX) -> None:
    """``seed_queue`` for each of ``names`` through ``client``'s pipelines, 20 queues a batch."""
    pipe = client.pipeline(transaction=False)
    for index, name in enumerate(names):
        seed_queue(pipe, name, per_state, prefix=prefix)
        if index % 20 == 19:
            pipe.execute()
    pipe.execute()


def seed_many_failed(
    url: str, queue: str, count: int, batch: int = 10_000, prefix: str = PREFIX
) -> None:
    """``count`` small failed-job hashes and their ``failed`` zset, in pipelined batches."""
    base = f"{prefix}:{queue}:"
    client = redis.Redis.from_url(url)
    try:
        pipe = client.pipeline(transaction=False)
        write_meta(pipe, queue, prefix)
        pipe.set(base + "id", count)
        pipe.xadd(base + "events", {"event": "failed", "jobId": "1", "failedReason": "x"})
        pipe.execute()
        for first in range(1, count + 1, batch):
            members: dict[str, float] = {}
            for job_id in range(first, min(first + batch, count + 1)):
                finished = NOW_MS - count + job_id
                pipe.hset(
                    base + str(job_id),
                    mapping={
                        "name": "charge",
                        "data": f'{{"n":{job_id}}}',
                        "opts": '{"attempts":1}',
                        "timestamp": str(finished - 20),
                        "processedOn": str(finished - 10),
                        "finishedOn": str(finished),
                        "failedReason": "card declined",
                        "atm": "1",
                    },
                )
                members[str(job_id)] = float(finished)
            pipe.zadd(base + "failed", members)
            pipe.execute()
    finally:
        client.close()


# -- Redis accounting ----------------------------------------------------------------------------


def commandstats(client: redis.Redis) -> dict[str, int]:
    """Calls per command since the server started (``INFO commandstats``), minus INFO itself."""
    stats = client.info("commandstats")
    calls = {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}
    calls.pop("info", None)
    return calls


def server_usec(client: redis.Redis) -> int:
    """Microseconds Redis spent executing commands since it started, INFO excluded."""
    stats = client.info("commandstats")
    return sum(int(v["usec"]) for name, v in stats.items() if name != "cmdstat_info")


def stats_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    delta = {name: after.get(name, 0) - before.get(name, 0) for name in after}
    return {name: n for name, n in sorted(delta.items()) if n}


def describe_delta(delta: dict[str, int], per: int = 1) -> str:
    if not delta:
        return "none"
    parts = []
    for name, n in sorted(delta.items(), key=lambda item: (-item[1], item[0])):
        value = n / per
        parts.append(f"{name} {value:g}" if per == 1 else f"{name} {value:.1f}")
    return ", ".join(parts)


# -- the board under daphne, and Bull Board under node -------------------------------------------


def board_env(redis_url: str, db_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT)]),
            "REDIS_URL": redis_url,
            "DATABASE_URL": f"sqlite:///{db_path}",
            "SECRET_KEY": "bench-only-secret",
            "LOG_LEVEL": "WARNING",
        }
    )
    env.pop("DEBUG", None)
    return env


def prepare_database(env: dict[str, str], cwd: Path = ROOT, python: str | None = None) -> str:
    """Migrate the SQLite file, create a staff user and return a logged-in session key.

    ``cwd``: the tree whose board is prepared (another checkout's, for a "before" case);
    ``python``: another site's interpreter (its own virtual environment).
    """
    code = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.test import Client\n"
        "user = get_user_model().objects.create_user('bench', password='bench', is_staff=True)\n"
        "client = Client()\n"
        "client.force_login(user)\n"
        "print(client.cookies['sessionid'].value)\n"
    )
    result = subprocess.run(
        [python or PYTHON, "-c", code],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"Preparing the database failed:\n{result.stderr}")
    return result.stdout.strip().splitlines()[-1]


def start_daphne_process(
    stack: contextlib.ExitStack, env: dict[str, str], stderr: Any = None, cwd: Path = ROOT
) -> tuple[int, subprocess.Popen[Any]]:
    """Serve ``board.asgi`` of the tree at ``cwd`` with one daphne on a free port; its port
    and process."""
    port = free_port()
    daphne = shutil.which("daphne", path=str(Path(PYTHON).parent)) or "daphne"
    process = subprocess.Popen(
        [daphne, "-b", "127.0.0.1", "-p", str(port), "-v", "0", "board.asgi:application"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    stack.callback(stop_process, process)
    wait_for_port(port, process, "daphne")
    return port, process


def start_daphne(stack: contextlib.ExitStack, env: dict[str, str]) -> int:
    return start_daphne_process(stack, env)[0]


def temp_board_env(stack: contextlib.ExitStack, redis_url: str) -> dict[str, str]:
    """``board_env`` with its SQLite database in a temp dir that ``stack`` removes."""
    directory = Path(tempfile.mkdtemp(prefix="qb-bench-db-"))
    stack.callback(shutil.rmtree, directory, True)
    return board_env(redis_url, directory / "db.sqlite3")


def start_board(stack: contextlib.ExitStack, redis_url: str) -> tuple[int, str, dict[str, str]]:
    """The standalone board under one daphne with a staff user: port, session key, its env."""
    env = temp_board_env(stack, redis_url)
    with step("migrating and logging in"):
        session = prepare_database(env)
    with step("starting daphne"):
        port = start_daphne(stack, env)
    return port, session, env


def start_bull_board(
    stack: contextlib.ExitStack, redis_url: str, names: list[str], connections: str = "shared"
) -> int:
    """Bull Board over ``names`` (``bench/node/server.mjs``); ``connections``: shared|per-queue."""
    if not (NODE_DIR / "node_modules" / "@bull-board" / "api").is_dir():
        raise RuntimeError("Bull Board is not installed: run `npm ci` in bench/node first.")
    directory = Path(tempfile.mkdtemp(prefix="qb-bench-node-"))
    stack.callback(shutil.rmtree, directory, True)
    names_file = directory / "queues.txt"
    names_file.write_text("\n".join(names) + "\n", encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        ["node", "server.mjs", redis_url, str(port), str(names_file), connections],
        cwd=NODE_DIR,
        stdout=subprocess.DEVNULL,
    )
    stack.callback(stop_process, process)
    wait_for_port(port, process, "the Bull Board server")
    return port


class HttpClient:
    """One keep-alive HTTP/1.1 connection to a loopback server."""

    def __init__(self, port: int, cookie: str | None = None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}

    def get(self, path: str) -> tuple[int, bytes]:
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.connection.close()


def time_requests(
    client: HttpClient, path: str, count: int, warmup: int, check: Callable[[bytes], None]
) -> list[float]:
    """Seconds of each of ``count`` sequential GETs after ``warmup`` untimed ones."""
    for _ in range(warmup):
        status, body = client.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
    check(body)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        status, body = client.get(path)
        times.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
    return times


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def p95_ms(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000


# -- reports -------------------------------------------------------------------------------------


def _version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return "not installed"
    return (out.stdout or out.stderr).strip().splitlines()[0] if out.returncode == 0 else "?"


def _memory() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "?"


def _cpu() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def machine(redis_url: str | None = None) -> list[str]:
    redis_version = "?"
    if redis_url:
        client = redis.Redis.from_url(redis_url)
        try:
            redis_version = str(client.info("server")["redis_version"])
        finally:
            client.close()
    commit = _version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    import django

    return [
        f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Commit: {commit}",
        f"- Machine: {os.cpu_count()} CPUs (nproc), {_memory()} memory, {_cpu()}, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, Django {django.get_version()}, "
        f"redis-py {redis.__version__}",
        f"- Redis {redis_version} (private redis-server, no persistence)",
        f"- Node {_version(['node', '--version'])}",
        "- Load average (1/5/15 min) at start: "
        + " / ".join(f"{n:.2f}" for n in LOAD_AT_START)
        + ", at the end: "
        + " / ".join(f"{n:.2f}" for n in os.getloadavg())
        + " (the machine is shared with other work; figures move with it)",
    ]


def command_line() -> str:
    script = Path(sys.argv[0]).resolve()
    with contextlib.suppress(ValueError):
        script = script.relative_to(ROOT)
    # The interpreter as a user would type it: relative inside the repository (a venv there),
    # else plain "python" (an interpreter with the project installed), never one machine's path.
    interpreter = Path(PYTHON)
    try:
        shown = str(interpreter.absolute().relative_to(ROOT))
    except ValueError:
        shown = "python"
    return shlex.join([shown, str(script), *sys.argv[1:]])


def write_result(name: str, title: str, sections: list[str], redis_url: str | None) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.md"
    lines = [
        f"# {title}",
        "",
        "Written by the script; re-running it regenerates this file.",
        "",
        *machine(redis_url),
        f"- Command: `{command_line()}` (from the repository root)",
        "",
        *sections,
    ]
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return path


def table(header: list[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return out


@contextlib.contextmanager
def step(message: str) -> Iterator[None]:
    print(message, "...", end=" ", flush=True, file=sys.stderr)
    started = time.monotonic()
    yield
    print(f"{time.monotonic() - started:.1f} s", file=sys.stderr)


#: A timed target: label, port, session cookie (None: no login), path, and a check made from
#: the expected count that raises on a wrong answer.
Target = tuple[str, int, "str | None", str, Any]


def measure_interleaved(
    targets: list[Target], stats: Any, warmup: int, requests: int, expected: int
) -> dict[str, dict[str, Any]]:
    """Per target: ``warmup`` requests with Redis commands counted around them (``delta``,
    ``usec`` per request) and the answer checked, then ``requests`` interleaved timed rounds
    of one request to each target in turn (``times``, ``median``, ``p95``; ``bytes``)."""
    clients = {label: HttpClient(port, cookie) for label, port, cookie, _, _ in targets}
    results: dict[str, dict[str, Any]] = {}
    with step(f"warming up and counting Redis commands ({warmup} requests each)"):
        for label, _port, _cookie, path, check in targets:
            client = clients[label]
            _, body = client.get(path)
            before, usec = commandstats(stats), server_usec(stats)
            time_requests(client, path, 0, warmup, check(expected))
            delta = stats_delta(before, commandstats(stats))
            usec = (server_usec(stats) - usec) / warmup
            results[label] = {"delta": delta, "bytes": len(body), "times": [], "usec": usec}
    with step(f"timing {requests} rounds of one request to each target"):
        for _ in range(requests):
            for label, _port, _cookie, path, _check in targets:
                started = time.perf_counter()
                status, body = clients[label].get(path)
                results[label]["times"].append(time.perf_counter() - started)
                if status != 200:
                    raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
    for client in clients.values():
        client.close()
    for result in results.values():
        result.update(median=median_ms(result["times"]), p95=p95_ms(result["times"]))
    return results
