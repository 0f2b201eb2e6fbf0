"""A real Node bullmq worker for the live browser tests (``live_worker.mjs``) and the checks
they share; the ``node_live_worker`` fixture (in conftest) runs one on queue ``QUEUE``."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import Protocol

import redis
from playwright.sync_api import Page, expect

from tests.browser.conftest import BoardPage
from tests.fixtures_bullmq import NODE_DIR, stop_worker

QUEUE = "live-node"


class NodeWorker:
    """``live_worker.mjs``: processes jobs (progress, logs) and adds jobs on command."""

    def __init__(self, url: str, queue: str) -> None:
        self.process = subprocess.Popen(
            ["node", str(NODE_DIR / "live_worker.mjs"), url, queue, "1"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=NODE_DIR,
        )
        assert self.readline() == "ready", self.process.stderr.read()  # type: ignore[union-attr]

    def readline(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def add(self, data: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(f"add {data}\n")
        self.process.stdin.flush()
        line = self.readline()
        assert line.startswith("added "), line
        return line.split(" ", 1)[1]

    def retry(self, job_id: str) -> None:
        """Retry the failed job ``job_id`` (as another client would: no page action)."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"retry {job_id}\n")
        self.process.stdin.flush()
        line = self.readline()
        assert line == f"retried {job_id}", line

    def stop(self) -> None:
        stop_worker(self.process)  # type: ignore[arg-type]


def wait_for(check: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def count(url: str, key: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        kind = client.type(f"bull:{QUEUE}:{key}")
        return int(
            client.llen(f"bull:{QUEUE}:{key}")
            if kind == b"list"
            else client.zcard(f"bull:{QUEUE}:{key}")
        )
    finally:
        client.close()


def expect_live(board: BoardPage) -> None:
    expect(board.page.locator("#qb-live")).to_have_attribute("data-live", "live")


class Watched(Protocol):
    """A page that records whether it was reloaded (``BoardPage``, the deployment tests' own)."""

    page: Page

    def same_document(self) -> bool: ...


def assert_failing_job_arrives_on_top(board: Watched, worker: NodeWorker) -> None:
    """On ``QUEUE``'s failed list holding one job: a job the worker fails now shows up at the
    top without a reload, and the failed tab's count goes to 2."""
    page = board.page
    failing = worker.add('{"fail": true, "steps": 1, "stepMs": 1}')
    rows = page.locator("#job-list tr.qb-job-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-job-id", failing)
    expect(page.locator("#qb-tab-count-failed")).to_have_text("2")
    assert board.same_document()
