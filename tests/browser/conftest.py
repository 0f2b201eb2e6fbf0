"""Browser fixtures: one Chromium, the board served by daphne, a logged-in page.

Sync Playwright keeps its asyncio loop marked as running in the main thread while the browser
is open. Django refuses ORM calls there unless ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set, so browser
tests set it (nothing async runs in the test process: the board lives in a subprocess), and
``asyncio.run`` is impossible there: seed through subprocesses or sync clients. The browser is
package scoped so that tests outside this package never run beside that loop.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
import redis
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Request, sync_playwright

from tests.fixtures_bullmq import run_node

if TYPE_CHECKING:
    from tests.browser.live_node import NodeWorker
from tests.live_servers import stop_process, wait_until_answers
from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(tempfile.gettempdir()) / "qb-shots"
#: The page checks run in the browser (``layout_checks.js``, ``contrast_checks.js``).
LAYOUT = (Path(__file__).parent / "layout_checks.js").read_text(encoding="utf-8")
CONTRAST = (Path(__file__).parent / "contrast_checks.js").read_text(encoding="utf-8")
#: Phone, tablet and desktop widths.
WIDTHS = (390, 768, 1440)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
DAPHNE_APP = "tests.browser.asgi:application"


@dataclass
class LiveBoard:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def database_url(db: dict[str, Any]) -> str:
    """The URL of the pytest-django test database, in the form ``board.env`` reads."""
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    scheme = db["ENGINE"].rsplit(".", 1)[1]
    credentials = f"{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}@"
    where = f"{db['HOST'] or 'localhost'}:{db['PORT'] or ''}"
    return f"{scheme}://{credentials}{where}/{quote(db['NAME'])}"


@pytest.fixture(scope="session")
def live_board(
    django_db_setup: None, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveBoard]:
    """daphne serving ``tests.browser.asgi`` on a free port against the pytest test database."""
    from django.db import connection

    port = free_port()
    log = tmp_path_factory.mktemp("daphne") / "daphne.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.browser.server_settings",
        "QUEUEBOARD_TEST_DATABASE_URL": database_url(connection.settings_dict),
        "QUEUEBOARD_BROWSER_REDIS_URL": redis_server.url,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), DAPHNE_APP],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    board = LiveBoard(url=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        wait_until_answers(f"{board.url}/healthz", process, board.log_tail)
        yield board
    finally:
        stop_process(process)


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """A headless Chromium (Debian's, never a downloaded one) with ``CHROMIUM_ARGS``."""
    executable = os.environ.get("QUEUEBOARD_CHROMIUM") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="package")
def browser(django_db_setup: None) -> Iterator[Browser]:
    """One headless Chromium for the browser tests."""
    with launch_chromium() as launched:
        yield launched


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@dataclass
class BoardPage:
    """A logged-in page plus what happened on it: console errors, requests, dialogs."""

    page: Page
    origin: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    #: GETs cancelled by a navigation (not failures; kept for debugging).
    aborted_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.origin + path)
        self.page.wait_for_load_state("load")
        return response

    def foreign_requests(self) -> list[str]:
        """Requests and websockets that went anywhere but the board."""
        ws_origin = "ws" + self.origin.removeprefix("http")
        return [url for url in self.requests if not url.startswith(self.origin + "/")] + [
            url for url in self.websockets if not url.startswith(ws_origin + "/")
        ]

    def assert_clean(self) -> None:
        """No console error, no uncaught exception, no request elsewhere or failed, no dialog."""
        assert self.console_errors == []
        assert self.page_errors == []
        assert self.foreign_requests() == []
        assert self.failed_requests == []
        assert self.dialogs == []

    def open_state_tab(self, label: str) -> None:
        """Click a queue page's state tab, as a user would (htmx swaps the job list)."""
        self.page.locator("#job-list nav.qb-tabs a.qb-tab", has_text=label).first.click()

    def mark_document(self) -> None:
        """Tag the current document; ``same_document()`` tells whether a click reloaded it."""
        self.page.evaluate("window.__qbDocument = true")

    def same_document(self) -> bool:
        return bool(self.page.evaluate("window.__qbDocument === true"))

    def problems_at_every_width(
        self, pages: Mapping[str, str], folder: str, scheme: str
    ) -> list[str]:
        """Each of ``pages`` (name -> path) at 390, 768 and 1440 px, each answering 200 and
        shot into ``folder``: what the layout and contrast checks find."""
        found: list[str] = []
        for name, path in pages.items():
            for width in WIDTHS:
                self.page.set_viewport_size({"width": width, "height": 900})
                response = self.goto(path)
                assert response is not None and response.status == 200, (name, width)
                self.screenshot(f"{folder}/{name}-{width}-{scheme}")
                header = 120 if width < 1024 else 64
                problems = self.page.evaluate(LAYOUT, header) + self.page.evaluate(CONTRAST)
                found += [f"{name} {width} px: {problem}" for problem in problems]
        return found

    def screenshot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        # caret="initial": hiding the caret injects a style, which the board's CSP refuses.
        self.page.screenshot(path=str(path), full_page=True, caret="initial")
        return path


def open_board_page(
    browser: Browser, live_board: LiveBoard, user: Any, **context_options: Any
) -> Iterator[BoardPage]:
    """A fresh browser context logged in as ``user`` through a session cookie."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    context = browser.new_context(**context_options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies(
        [{"name": "sessionid", "value": session, "url": live_board.url, "httpOnly": True}]
    )
    board = watched_page(context.new_page(), live_board.url)
    try:
        yield board
    finally:
        context.close()


def cancelled_by_navigation(request: Request) -> bool:
    """A GET still in flight that a navigation cancelled (a live update's fetch, an icon):
    Chromium reports it as ERR_ABORTED. That is the browser's doing, never an answer of the
    board (errors arrive as statuses, refused connections as ERR_CONNECTION_*)."""
    return request.failure == "net::ERR_ABORTED" and request.method == "GET"


def watched_page(page: Page, origin: str) -> BoardPage:
    """``page`` as a ``BoardPage`` of ``origin``, recording its errors, requests and dialogs."""
    board = BoardPage(page=page, origin=origin)

    def on_console(message: ConsoleMessage) -> None:
        # Chromium asks for /favicon.ico on its own for documents without an icon link (JSON).
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            board.console_errors.append(f"{message.text} at {message.location}")

    def on_dialog(dialog: Dialog) -> None:
        board.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_failed(request: Request) -> None:
        if cancelled_by_navigation(request):
            board.aborted_requests.append(request.url)
            return
        board.failed_requests.append(f"{request.url}: {request.failure}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: board.page_errors.append(str(error)))
    page.on("request", lambda request: board.requests.append(request.url))
    page.on("requestfailed", on_failed)
    page.on("websocket", lambda socket: board.websockets.append(socket.url))
    page.on("dialog", on_dialog)
    return board


@pytest.fixture(scope="session")
def node_basic_dump(node_modules: Path, redis_server: RedisServer) -> dict[str, Any]:
    """Node bullmq 6.7.0's "basic" scenario, produced once: its ids and a DUMP of every key."""
    client = redis.Redis.from_url(redis_server.url)
    try:
        client.flushall()
        ids = json.loads(run_node("produce.mjs", redis_server.url, "basic"))
        keys = {key: client.dump(key) for key in client.keys("*")}
        client.flushall()
    finally:
        client.close()
    return {"ids": ids, "keys": keys}


@pytest.fixture
def node_basic(redis_url: str, node_basic_dump: dict[str, Any]) -> dict[str, list[str]]:
    """Queue "node-basic" as Node wrote it (restored from ``node_basic_dump``); its ids."""
    client = redis.Redis.from_url(redis_url)
    try:
        client.flushall()
        for key, value in node_basic_dump["keys"].items():
            client.restore(key, 0, value)
    finally:
        client.close()
    return dict(node_basic_dump["ids"])


@pytest.fixture
def board_page(
    transactional_db: None, browser: Browser, live_board: LiveBoard, staff_user: Any
) -> Iterator[BoardPage]:
    """A page of a staff user on the live board (light colour scheme)."""
    yield from open_board_page(browser, live_board, staff_user, color_scheme="light")


@pytest.fixture
def operator(staff_user: Any) -> Any:
    """The staff user with the permission of every action."""
    from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant

    return grant(staff_user, *ALL_ACTION_PERMISSIONS)


@pytest.fixture
def operator_phone(
    transactional_db: None, browser: Browser, live_board: LiveBoard, operator: Any
) -> Iterator[BoardPage]:
    """A page of ``operator`` on a light-scheme phone, 390 px wide."""
    viewport = {"width": 390, "height": 800}
    yield from open_board_page(
        browser, live_board, operator, color_scheme="light", viewport=viewport
    )


@pytest.fixture
def node_live_worker(node_modules: Path, redis_url: str) -> Iterator[NodeWorker]:
    """A Node bullmq worker on queue ``live_node.QUEUE`` (progress, logs; adds jobs on command)."""
    from tests.browser.live_node import QUEUE, NodeWorker

    worker = NodeWorker(redis_url, QUEUE)
    yield worker
    worker.stop()


def board_with_settings(
    settings_module: str, redis_server: RedisServer, log: Path
) -> Iterator[LiveBoard]:
    """daphne serving the browser tests' board under ``settings_module`` (the browser
    settings plus a backend on the suite's private Redis)."""
    from django.db import connection

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "QUEUEBOARD_TEST_DATABASE_URL": database_url(connection.settings_dict),
        "QUEUEBOARD_BROWSER_REDIS_URL": redis_server.url,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "tests.browser.asgi:application"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    board = LiveBoard(url=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        wait_until_answers(f"{board.url}/healthz", process, board.log_tail)
        yield board
    finally:
        stop_process(process)


@pytest.fixture(scope="module")
def rq_board(
    django_db_setup: None, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveBoard]:
    """daphne serving the browser tests' board with an RQ backend added."""
    log = tmp_path_factory.mktemp("daphne-rq") / "daphne.log"
    yield from board_with_settings("tests.browser.rq_server_settings", redis_server, log)


@pytest.fixture(scope="module")
def celery_board(
    django_db_setup: None, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveBoard]:
    """daphne serving the browser tests' board with a Celery backend added."""
    log = tmp_path_factory.mktemp("daphne-celery") / "daphne.log"
    yield from board_with_settings("tests.browser.celery_server_settings", redis_server, log)
