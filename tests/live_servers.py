"""daphne processes serving the board (pages and WebSockets) for the live-update tests, and
the waiting for a test server to answer and the stopping of it that the other tests' servers
(browser, deployment) share."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DAPHNE = [sys.executable, "-m", "daphne", "-b", "127.0.0.1"]


@dataclass
class Daphne:
    url: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    #: How daphne is started (before ``-p PORT APP``).
    command: list[str] = field(default_factory=lambda: list(DAPHNE))

    def start(self) -> Daphne:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*self.command, "-p", str(self.port), "tests.browser.asgi:application"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_until_answers(f"{self.url}/healthz", self.process, self.log_tail)
        return self

    def stop(self, kill: bool = False) -> None:
        if self.process is not None and self.process.poll() is None:
            stop_process(self.process, kill=kill)
        self.process = None

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def wait_until_answers(
    url: str,
    process: subprocess.Popen[bytes],
    log_tail: Callable[[], str],
    *,
    name: str = "daphne",
    timeout: float = 30,
    poll: float = 0.1,
    request_timeout: float = 1,
    error: type[Exception] = RuntimeError,
) -> None:
    """Until ``url`` answers 200 (every ``poll`` s); ``error`` with the server's log if
    ``process`` exits first or ``timeout`` s pass."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise error(f"{name} exited with {process.returncode}:\n{log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=request_timeout) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise error(f"{name} did not answer in {timeout:g} s:\n{log_tail()}")
        time.sleep(poll)


def stop_process(process: subprocess.Popen[bytes], grace: float = 10, kill: bool = False) -> None:
    """Terminate ``process`` (or kill it at once) and wait; killed if it outlives ``grace`` s."""
    if kill:
        process.kill()
    else:
        process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def daphne(
    port: int,
    redis_url: str,
    *,
    channel_redis: str | None = None,
    live: dict[str, Any] | None = None,
    extra_env: dict[str, str] | None = None,
    command: list[str] | None = None,
) -> Daphne:
    """A daphne (not started) on ``port`` against the pytest database and ``redis_url``."""
    from django.db import connection

    db_path = Path(connection.settings_dict["NAME"]).resolve()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.live_server_settings",
        "QUEUEBOARD_TEST_DATABASE_URL": f"sqlite:///{db_path}",
        "QUEUEBOARD_BROWSER_REDIS_URL": redis_url,
        "QUEUEBOARD_LIVE_JSON": json.dumps(live or {}),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        **(extra_env or {}),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("CHANNEL_REDIS_URL", None)
    if channel_redis:
        env["CHANNEL_REDIS_URL"] = channel_redis
    log = Path(tempfile.mkdtemp(prefix="qb-daphne-")) / "daphne.log"
    board = Daphne(url=f"http://127.0.0.1:{port}", port=port, env=env, log=log)
    if command is not None:
        board.command = command
    return board
