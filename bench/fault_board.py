"""Pieces shared by ``faults.py`` and ``load.py``: a durable Redis that can be killed, the board
under daphne with ``fault_settings``, a superuser session, and one-shot HTTP requests that never
raise (a refused connection is status 0)."""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import PYTHON, ROOT, board_env, start_daphne_process

from tests.redis_server import RedisServer, free_port

#: A Redis whose data survives ``kill -9``: every write is in the AOF before it is answered.
DURABLE = ("--appendonly", "yes", "--appendfsync", "always")


def start_durable_redis(stack: contextlib.ExitStack) -> RedisServer:
    server = RedisServer(port=free_port(), directory=Path(tempfile.mkdtemp(prefix="qb-fault-")))
    stack.callback(shutil.rmtree, server.directory, True)
    stack.callback(server.stop)
    server.start(*DURABLE)
    return server


def kill_redis(server: RedisServer) -> None:
    """SIGKILL, as the OOM killer or a crash would: no shutdown, no final save."""
    assert server.process is not None
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(10)
    server.process = None


def restart_redis(server: RedisServer) -> None:
    server.start(*DURABLE)


def fault_env(redis_url: str, db_path: Path, **extra: str) -> dict[str, str]:
    env = board_env(redis_url, db_path)
    env["DJANGO_SETTINGS_MODULE"] = "fault_settings"
    env.update(extra)
    return env


PREPARE = """
import django; django.setup()
from django.conf import settings
from django.core.management import call_command
for alias in settings.DATABASES:
    call_command('migrate', database=alias, verbosity=0)
from django.contrib.auth import get_user_model
from django.test import Client
user = get_user_model().objects.create_superuser('admin', 'admin@example.com', 'admin')
client = Client()
client.force_login(user)
from tests import sample_tasks
for n in range(TASKS):
    sample_tasks.add.using(queue_name='reports').enqueue(n, 1)
print(client.cookies['sessionid'].value)
"""


def prepare_board(env: dict[str, str], tasks: int = 0) -> str:
    """Migrate every database, create a superuser, enqueue ``tasks`` Django tasks in queue
    "reports"; returns the superuser's session key."""
    code = PREPARE.replace("TASKS", str(tasks))
    result = subprocess.run(
        [PYTHON, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"Preparing the database failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1]


@dataclass
class Board:
    port: int
    session: str
    csrf: str = ""
    pid: int = 0

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        timeout: float = 60,
        csrf: bool = True,
    ) -> Answer:
        headers = {"Cookie": f"sessionid={self.session}"}
        data = None
        if method == "POST":
            if csrf and self.csrf:
                headers["Cookie"] += f"; csrftoken={self.csrf}"
                headers["X-CSRFToken"] = self.csrf
            headers["Content-Type"] = "application/json"
            data = json.dumps(body or {}).encode()
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            status = response.status
            cookies = response.headers.get_all("Set-Cookie") or []
        except (OSError, http.client.HTTPException) as exc:
            return Answer(
                0, f"no answer: {type(exc).__name__}: {exc}", time.perf_counter() - started
            )
        finally:
            connection.close()
        answer = Answer(status, raw.decode("utf-8", "replace"), time.perf_counter() - started)
        for cookie in cookies:
            if match := re.match(r"csrftoken=([^;]+)", cookie):
                answer.csrf_cookie = match.group(1)
        return answer

    def get(self, path: str, timeout: float = 60) -> Answer:
        return self.request("GET", path, timeout=timeout)

    def post(self, path: str, body: dict[str, Any] | None = None, timeout: float = 60) -> Answer:
        return self.request("POST", path, body, timeout=timeout)

    def fetch_csrf(self, path: str = "/") -> str:
        """The CSRF token as a browser gets it: the csrftoken cookie of a page."""
        answer = self.get(path)
        if not answer.csrf_cookie:
            raise RuntimeError(f"GET {path} set no csrftoken cookie ({answer.status}).")
        self.csrf = answer.csrf_cookie
        return self.csrf


@dataclass
class Answer:
    status: int
    text: str
    seconds: float
    csrf_cookie: str = ""

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    @property
    def message(self) -> str:
        """What the user reads: the JSON error message, the error page's message, or a hint."""
        if self.status == 0:
            return self.text
        data = self.json()
        if isinstance(data, dict):
            if isinstance(data.get("error"), dict):
                return str(data["error"].get("message", ""))
            if data.get("problems"):
                return "(JSON) problems: " + "; ".join(
                    f"{p.get('backend')}: {p.get('message')}" for p in data["problems"]
                )
            return "(JSON)"
        if match := re.search(r'class="qb-problem" role="alert">(.*?)</p>', self.text, re.S):
            return "page with a notice: " + _unescape(match.group(1).strip())
        if match := re.search(r'class="qb-error-message">(.*?)</p>', self.text, re.S):
            return _unescape(match.group(1).strip())
        if match := re.search(r"<h1[^>]*>(.*?)</h1>", self.text, re.S):
            return _unescape(re.sub(r"<[^>]+>", "", match.group(1)).strip())
        if match := re.search(r"<title>(.*?)</title>", self.text, re.S):
            return "page: " + _unescape(match.group(1).strip())
        return " ".join(self.text.split())[:120]


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def start_board(stack: contextlib.ExitStack, env: dict[str, str], tasks: int = 0) -> Board:
    """Prepare the database and serve the board with one daphne process (as ``common``)."""
    session = prepare_board(env, tasks)
    log = env.get("DAPHNE_LOG")
    stderr = stack.enter_context(open(Path(log), "w")) if log else None
    port, process = start_daphne_process(stack, env, stderr)
    return Board(port, session, pid=process.pid)


def wait_until(check: Any, timeout: float, interval: float = 0.1) -> float | None:
    """Seconds until ``check()`` is true (polled), or None after ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(interval)
    return None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rss_mib(pid: int) -> float:
    """Resident memory (VmRSS) of one process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def poll_run(
    board: Board, run_id: str, until: Any, limit: float, every: float = 0.1
) -> dict[str, Any]:
    """The run as ``/api/runs/<id>`` reads it, polled every ``every`` seconds until
    ``until(run)`` or ``limit`` seconds have passed (then the last run read)."""
    deadline = time.monotonic() + limit
    run: dict[str, Any] = {}
    while time.monotonic() < deadline:
        answer = board.get(f"/api/runs/{run_id}")
        if answer.status == 200:
            run = answer.json()["run"]
            if until(run):
                return run
        time.sleep(every)
    return run
