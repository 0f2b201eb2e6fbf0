"""daphne processes serving the board (pages and WebSockets) for the live-update tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
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

    def start(self) -> Daphne:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*DAPHNE, "-p", str(self.port), "tests.browser.asgi:application"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"daphne did not answer in 30 s:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self, kill: bool = False) -> None:
        if self.process is not None and self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def daphne(
    port: int,
    redis_url: str,
    *,
    channel_redis: str | None = None,
    live: dict[str, Any] | None = None,
    extra_env: dict[str, str] | None = None,
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
    return Daphne(url=f"http://127.0.0.1:{port}", port=port, env=env, log=log)
