"""Fixtures of the deployment test: the README's host site (built once per module), its
servers, one Chromium, pages logged in through the site's own login, Node producers.

As in ``tests/browser``: sync Playwright keeps an asyncio loop running in the main thread, so
nothing here calls ``asyncio.run``; the site runs in its own processes and virtual environment,
and is seeded through Node subprocesses and a sync Redis client.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import TIMEOUT_MS, BoardPage, launch_chromium, watched_page
from tests.browser.live_node import wait_for
from tests.deploy.host_site import SUPERUSER, HostSite, Server, build_host_site, serve
from tests.fixtures_bullmq import (
    run_node,
    start_node_worker,
    stop_worker,
    write_finished_jobs,
)
from tests.redis_server import RedisServer

#: Where the README mounts the board (urls.py block).
BOARD = "/ops/queues/"
#: A staff user without any permission, made as in the admin.
VIEWER = {"username": "viewer", "password": "viewer-pass-8126"}


@pytest.fixture(scope="module")
def site_redis(redis_server: RedisServer) -> str:
    """The private Redis the site's settings name: running, emptied once for the module."""
    if redis_server.process is None or redis_server.process.poll() is not None:
        redis_server.start()  # a fault test may have stopped it
    client = redis.Redis.from_url(redis_server.url)
    try:
        client.flushall()
    finally:
        client.close()
    return redis_server.url


@pytest.fixture(scope="module")
def host_site(site_redis: str, tmp_path_factory: pytest.TempPathFactory) -> HostSite:
    """The site the README's steps build, against the private Redis; built once per module."""
    site = build_host_site(tmp_path_factory.mktemp("host-site"), site_redis)
    site.create_user(VIEWER["username"], VIEWER["password"], staff=True)
    return site


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test's report ends with the log of the server it used."""
    report = yield
    if report.failed:
        for name in ("asgi_server", "wsgi_server"):
            deployment = getattr(item, "funcargs", {}).get(name)
            if isinstance(deployment, Deployment):
                server = deployment.server
                report.sections.append((f"{server.name} log (end)", server.log_tail()))
    return report


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One headless Chromium (Debian's) for the module."""
    with launch_chromium() as browser:
        yield browser


@dataclass
class Queues:
    """The BullMQ queues of one server's tests, written before it starts (its discovery then
    knows them, as it knows a site's queues): named ``<server>-<what>``."""

    server: str
    #: A job a Node worker failed, for the Retry click, and one for the user without rights.
    retry_job: str = ""
    denied_job: str = ""

    def name(self, what: str) -> str:
        return f"{self.server}-{what}"


@dataclass
class Deployment:
    server: Server
    queues: Queues


#: Failed jobs retried at once: enough batches that the run outlasts its page's first load.
BULK_JOBS = 20_000
#: Waiting jobs of the list queue: two pages of 20.
LIST_JOBS = 25


def seed(redis_url: str, server: str) -> Queues:
    """What the tests of ``server`` need, by a real Node producer and worker where it counts."""
    queues = Queues(server)
    add_jobs(redis_url, queues.name("list"), LIST_JOBS)
    add_jobs(redis_url, queues.name("live"), 1)
    write_finished_jobs(redis_url, queues.name("bulk"), BULK_JOBS, "failed")
    (queues.retry_job,) = failed_by_a_worker(redis_url, queues.name("retry"), 1)
    (queues.denied_job,) = failed_by_a_worker(redis_url, queues.name("denied"), 1)
    return queues


@pytest.fixture(scope="module", params=["daphne", "uvicorn"])
def asgi_server(
    request: pytest.FixtureRequest,
    host_site: HostSite,
    site_redis: str,
    node_modules: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Deployment]:
    """The site under each ASGI server the README names, DEBUG=False, with its queues."""
    queues = seed(site_redis, request.param)
    log = tmp_path_factory.mktemp(request.param) / "server.log"
    with serve(host_site, request.param, log) as server:
        yield Deployment(server, queues)


@pytest.fixture(scope="module")
def wsgi_server(
    host_site: HostSite,
    site_redis: str,
    node_modules: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Deployment]:
    """The site under gunicorn (``gunicorn mysite.wsgi``), DEBUG=False, with its queues."""
    queues = Queues("gunicorn")
    (queues.retry_job,) = failed_by_a_worker(site_redis, queues.name("retry"), 1)
    log = tmp_path_factory.mktemp("gunicorn") / "server.log"
    with serve(host_site, "gunicorn", log) as server:
        yield Deployment(server, queues)


def log_in(page: Page, server: Server, username: str, password: str) -> None:
    """Open the board and log in through the login page it sends visitors to (the admin's)."""
    page.goto(server.url + BOARD)
    expect(page).to_have_url(f"{server.url}/admin/login/?next={BOARD}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(server.url + BOARD)


@contextmanager
def logged_in(
    browser: Browser, server: Server, username: str, password: str, **context_options: object
) -> Iterator[BoardPage]:
    """A fresh browser context logged in as ``username`` through the site's login form."""
    context = browser.new_context(**{"color_scheme": "light", **context_options})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        board = watched_page(context.new_page(), server.url)
        log_in(board.page, server, username, password)
        yield board
    finally:
        context.close()


@pytest.fixture
def admin_page(
    chromium: Browser, host_site: HostSite, asgi_server: Deployment
) -> Iterator[BoardPage]:
    """The superuser createsuperuser made, logged in on the ASGI server."""
    password = host_site.password
    with logged_in(chromium, asgi_server.server, SUPERUSER["username"], password) as board:
        yield board


def add_jobs(
    redis_url: str, queue: str, count: int, data: dict[str, object] | None = None
) -> list[str]:
    """``count`` jobs added by a real Node bullmq producer; their ids."""
    printed = run_node(
        "add_jobs.mjs", redis_url, queue, str(count), json.dumps(data or {}), timeout=60
    )
    return list(json.loads(printed))


def count(redis_url: str, queue: str, key: str) -> int:
    """Jobs in one of a BullMQ queue's sorted sets (``failed``, ``completed``)."""
    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.zcard(f"bull:{queue}:{key}"))
    finally:
        client.close()


def start_worker(redis_url: str, queue: str, fail_percent: int) -> subprocess.Popen[str]:
    """A real Node bullmq worker (``worker.mjs``, one job at a time) failing ``fail_percent`` %
    of its jobs."""
    return start_node_worker(redis_url, queue, 1, fail_percent)


def failed_by_a_worker(redis_url: str, queue: str, jobs: int) -> list[str]:
    """``jobs`` jobs added by a Node producer and failed by a real Node worker (then stopped)."""
    ids = add_jobs(redis_url, queue, jobs)
    worker = start_worker(redis_url, queue, 100)
    try:
        wait_for(lambda: count(redis_url, queue, "failed") == jobs)
    finally:
        stop_worker(worker)
    return ids


@contextmanager
def worker(redis_url: str, queue: str) -> Iterator[None]:
    """A real Node bullmq worker completing the jobs of ``queue`` while the block runs."""
    process = start_worker(redis_url, queue, 0)
    try:
        yield
    finally:
        stop_worker(process)
