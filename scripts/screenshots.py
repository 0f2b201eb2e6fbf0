"""Remake the README's pictures from the demo data: ``bash scripts/screenshots.sh``.

Starts a private ``redis-server`` and a throwaway SQLite database, seeds them with
``manage.py demo_seed`` (no workers run, so the pictures come out the same each time), serves the
standalone board through daphne on a free port, logs in with Chromium and saves each page in
light and dark, at 1440 px wide and on a 390 px phone, as ``<out>/<page>-<width>-<theme>.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
THEMES = ("light", "dark")
WIDTHS = {1440: 900, 390: 844}
USERNAME = "demo"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(ready: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not start within {seconds:.0f} s")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (our own board)
            return bool(response.status == 200)
    except OSError:
        return False


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def running(command: list[str], env: dict[str, str], log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
        try:
            yield
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def board_env(work: Path, redis_port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="board.settings",
        DEBUG="1",  # WhiteNoise serves the apps' static files without collectstatic
        DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
        TASKS_QUEUES="default,emails,images,reports",
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEMO_PASSWORD=secrets.token_urlsafe(12),
        QUEUEBOARD_COUNTS_CACHE_SECONDS="0",
        PYTHONUNBUFFERED="1",
    )
    return env


def first_job(base: str, page: Any, queue: str, state: str, name: str | None = None) -> str:
    """The id of the first job of ``queue`` in ``state`` (named ``name``), through the API."""
    answer = page.request.get(f"{base}/api/queues/bullmq/{queue}/jobs?state={state}&per_page=50")
    jobs = json.loads(answer.text())["jobs"]
    for job in jobs:
        if name is None or job.get("name") == name:
            return str(job["id"])
    raise SystemExit(f"The demo has no {state} job {name or ''} in {queue}")


def pages(base: str, page: Any) -> dict[str, str]:
    """Picture name -> path, found in the seeded demo data."""
    failed = first_job(base, page, "emails", "failed")
    flow = first_job(base, page, "reports", "waiting-children", "quarterly-report")
    return {
        "overview": "/",
        "queue": "/queue/bullmq/emails/?state=failed",
        "failed-job": f"/queue/bullmq/emails/job/{failed}/?tab=error",
        "flow": f"/queue/bullmq/reports/job/{flow}/",
        "schedules": "/schedules/",
    }


def shoot(base: str, env: dict[str, str], out: Path, only: set[str] | None) -> list[Path]:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("QUEUEBOARD_CHROMIUM") or shutil.which("chromium")
    saved: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium or None)
        try:
            for theme in THEMES:
                for width, height in WIDTHS.items():
                    context = browser.new_context(
                        viewport={"width": width, "height": height},
                        color_scheme=theme,
                        timezone_id="UTC",
                        locale="en-GB",
                    )
                    page = context.new_page()
                    page.goto(f"{base}/login/")
                    page.fill("input[name=username]", USERNAME)
                    page.fill("input[name=password]", env["DEMO_PASSWORD"])
                    page.click("button[type=submit]")
                    page.wait_for_url(f"{base}/")
                    for name, path in pages(base, page).items():
                        if only and name not in only:
                            continue
                        page.goto(base + path)
                        page.wait_for_load_state("networkidle")
                        if name == "flow":  # the tree loads after the page; show it
                            tree = page.locator("#job-flow .qb-flow-tree")
                            tree.wait_for()
                            tree.scroll_into_view_if_needed()
                        target = out / f"{name}-{width}-{theme}.png"
                        page.screenshot(path=str(target))
                        saved.append(target)
                    context.close()
        finally:
            browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", action="append", help="Only this picture (repeatable).")
    args = parser.parse_args(argv)
    redis = shutil.which("redis-server")
    if redis is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server).")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qb-shots-") as tmp:
        work = Path(tmp)
        redis_port, board_port = free_port(), free_port()
        env = board_env(work, redis_port)
        redis_cmd = [redis, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""]
        redis_cmd += ["--appendonly", "no", "--dir", str(work)]
        with running(redis_cmd, env, work / "redis.log"):
            wait_until(lambda: port_open(redis_port), "redis-server")
            manage(env, "migrate", "--noinput", "-v", "0")
            manage(env, "demo_user", "--username", USERNAME)
            manage(env, "demo_seed", "--redis-url", env["REDIS_URL"])
            daphne = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(board_port)]
            with running([*daphne, "board.asgi:application"], env, work / "daphne.log"):
                base = f"http://127.0.0.1:{board_port}"
                wait_until(lambda: answers(f"{base}/healthz"), "The board")
                saved = shoot(base, env, args.out, set(args.only or ()) or None)
    for path in saved:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
