"""The standalone board started and checked as its users run it.

``user_script`` takes the README's ``sh`` block under "## Standalone board" and fills in only
what a user replaces (the key, the password, the Redis URL, the port); ``start_script`` runs it
in ``sh`` as a pasted block would run and waits for ``/healthz``. The checks after that are
shared with the Dockerfile's test: static files as the pages name them (``Visitor``,
``page_assets``, ``served_assets``, ``gzip_answer``), and in Chromium (``watched_page``, in
a browser from ``tests.browser.conftest.launch_chromium``) a login through ``/login/``, the
board's styles applied and live updates.

Nothing here uses Django's ORM: the board, its database and its superuser live in
subprocesses, so the sync Playwright loop (see tests/browser/conftest.py) needs no
``DJANGO_ALLOW_ASYNC_UNSAFE`` in the test process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    WebSocket,
    expect,
)

from tests.browser.conftest import cancelled_by_navigation
from tests.browser.live_node import (
    QUEUE,
    NodeWorker,
    assert_failing_job_arrives_on_top,
    count,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
#: WhiteNoise's Cache-Control for collectstatic's hashed names (ten years, never revalidated).
IMMUTABLE = "max-age=315360000, public, immutable"
CONTENT_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
#: A hashed name from CompressedManifestStaticFilesStorage: ``queueboard.0123456789ab.css``.
HASHED = re.compile(r"\.[0-9a-f]{12}(\.\w+)$")
PIP_INSTALL = 'pip install -e ".[board]"'
TIMEOUT_MS = 10_000


# -- The README's block, as a user runs it --------------------------------------------------


def readme_block(heading: str, containing: str) -> str:
    """The one ``sh`` block under the README's ``## heading`` that contains ``containing``."""
    text = README.read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```sh\n(.*?)^```", section, re.S | re.M)
    found = [block for block in blocks if containing in block]
    assert len(found) == 1, f"no single sh block with {containing!r} under ## {heading}"
    return str(found[0])


def commands(block: str) -> list[str]:
    """The block's commands, each continuation line joined to its command as sh joins it."""
    return [line for line in block.replace("\\\n", "").splitlines() if line.strip()]


@dataclass(frozen=True)
class UserValues:
    """What a user puts in place of the block's placeholders."""

    secret_key: str
    password: str
    redis_url: str
    port: int


def user_script(block: str, values: UserValues, *, collectstatic: bool = True) -> str:
    """The block with only its placeholders replaced, the ``pip install`` line left out.

    ``collectstatic=False`` leaves that step out too, as the demo (``DEBUG=1``) does.
    """
    kept = []
    for command in commands(block):
        if command == PIP_INSTALL:
            # Done already: the test environment is this clone installed with pip install -e
            # ".[test]" (the README's test command), whose test extra includes the board's.
            assert_installed_from_this_clone()
            continue
        if not collectstatic and "collectstatic" in command.split():
            continue
        kept.append(command)
    script = "\n".join(kept)
    for placeholder, value in (
        ("SECRET_KEY=...", f"SECRET_KEY={values.secret_key}"),
        ("DJANGO_SUPERUSER_PASSWORD=...", f"DJANGO_SUPERUSER_PASSWORD={values.password}"),
        ("REDIS_URL=redis://localhost:6379/0", f"REDIS_URL={values.redis_url}"),
        (" -p 8000 ", f" -p {values.port} "),
    ):
        assert script.count(placeholder) == 1, f"{placeholder!r} is not once in:\n{script}"
        script = script.replace(placeholder, value)
    return script


def superuser_name(script: str) -> str:
    found = re.search(r"\bDJANGO_SUPERUSER_USERNAME=(\S+)", script)
    assert found, script
    return found.group(1)


def assert_installed_from_this_clone() -> None:
    """``pip install -e`` of this checkout, with the board's server on the PATH."""
    site_packages = sysconfig.get_paths()["purelib"]  # not the clone's own egg-info
    installed = next(metadata.distributions(name="django-queueboard", path=[site_packages]))
    direct = json.loads(installed.read_text("direct_url.json") or "{}")
    assert direct["dir_info"].get("editable") and direct["url"] == ROOT.as_uri(), direct
    assert shutil.which("daphne", path=str(Path(sys.executable).parent)), "daphne is missing"


def user_environment(home: Path, **variables: str) -> dict[str, str]:
    """A user's shell with the test venv active, the database and static files under ``home``.

    Nothing of the test process leaks in (pytest-django's ``DJANGO_SETTINGS_MODULE`` would
    replace ``board.settings``), and nothing is written into the repository.
    """
    return {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DATABASE_URL": f"sqlite:///{home / 'db.sqlite3'}",
        "STATIC_ROOT": str(home / "staticfiles"),
        **variables,
    }


@dataclass
class ServedBoard:
    """A board served by a process group this test started (a shell and what it runs)."""

    origin: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue


def start_script(script: str, cwd: Path, env: dict[str, str], port: int, log: Path) -> ServedBoard:
    """Run ``script`` in ``sh -e`` (each command echoed to ``log``) until its board answers."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["sh", "-e", "-x", "-c", script],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    board = ServedBoard(origin=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        wait_until_healthy(board)
    except BaseException:
        board.stop()
        raise
    return board


def wait_until_healthy(board: ServedBoard, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while fetch(board.origin + "/healthz").status != 200:
        if board.process.poll() is not None:
            raise AssertionError(f"exited with {board.process.returncode}:\n{board.log_tail()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no answer in {timeout:.0f} s:\n{board.log_tail()}")
        time.sleep(0.2)


# -- Static files over HTTP ----------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(
    url: str,
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
    opener: urllib.request.OpenerDirector | None = None,
) -> Answer:
    """One request, redirects not followed; a refused connection is status 0."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with (opener or urllib.request.build_opener(NoRedirect)).open(request, timeout=10) as r:
            return Answer(r.status, r.headers, r.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())
    except (urllib.error.URLError, OSError):
        return Answer(0, Message(), b"")


@dataclass
class Visitor:
    """A visitor without a browser, with cookies: logs in through ``/login/`` like a user."""

    origin: str
    opener: urllib.request.OpenerDirector = field(init=False)

    def __post_init__(self) -> None:
        cookies = urllib.request.HTTPCookieProcessor(CookieJar())
        self.opener = urllib.request.build_opener(cookies, NoRedirect)

    def get(self, path: str) -> Answer:
        return fetch(self.origin + path, opener=self.opener)

    def log_in(self, username: str, password: str) -> None:
        form = self.get("/login/")
        assert form.status == 200, form.status
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
        assert token, form.body[:2000]
        fields = {"csrfmiddlewaretoken": token.group(1).decode(), "next": "/"}
        fields |= {"username": username, "password": password}
        answer = fetch(self.origin + "/login/", data=urlencode(fields).encode(), opener=self.opener)
        assert (answer.status, answer.headers["Location"]) == (302, "/"), answer.body[:2000]


class _AssetLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        url = dict(attrs).get({"link": "href", "script": "src"}.get(tag, ""))
        if url and url.startswith("/static/"):
            self.urls.append(url)


def page_assets(html: bytes) -> list[str]:
    """The ``/static/`` URLs a page's ``<link>`` and ``<script>`` elements load."""
    parser = _AssetLinks()
    parser.feed(html.decode())
    return parser.urls


def unhashed(path: str) -> str:
    """``/static/queues/queueboard.0123456789ab.css`` → ``queues/queueboard.css``."""
    return HASHED.sub(r"\1", path.removeprefix("/static/"))


def served_assets(origin: str, paths: set[str]) -> dict[str, tuple[int, str, str, str]]:
    """Each path's status, media type, ``Cache-Control`` and ``X-Content-Type-Options``."""
    served = {}
    for path in sorted(paths):
        answer = fetch(origin + path)
        media_type = (answer.headers["Content-Type"] or "").split(";")[0]
        served[path] = (
            answer.status,
            media_type,
            answer.headers["Cache-Control"] or "",
            answer.headers["X-Content-Type-Options"] or "",
        )
    return served


def expected_assets(paths: set[str], cache_control: str) -> dict[str, tuple[int, str, str, str]]:
    return {
        path: (200, CONTENT_TYPES[Path(path).suffix], cache_control, "nosniff") for path in paths
    }


def gzip_answer(origin: str, path: str) -> tuple[Answer, Answer]:
    """``path`` fetched plain and with ``Accept-Encoding: gzip``."""
    plain = fetch(origin + path, {"Accept-Encoding": "identity"})
    return plain, fetch(origin + path, {"Accept-Encoding": "gzip"})


# -- Chromium ------------------------------------------------------------------------------


@dataclass
class WatchedPage:
    """A page and what went wrong on it: console errors, exceptions, failed or foreign loads."""

    page: Page
    origin: str
    problems: list[str] = field(default_factory=list)
    static_loaded: list[str] = field(default_factory=list)

    def style(self, selector: str, prop: str) -> str:
        return str(self.page.eval_on_selector(selector, "(e, p) => getComputedStyle(e)[p]", prop))

    def mark_document(self) -> None:
        self.page.evaluate("window.__qbDocument = true")

    def same_document(self) -> bool:
        return bool(self.page.evaluate("window.__qbDocument === true"))


@contextmanager
def watched_page(browser: Browser, origin: str, **context_options: Any) -> Iterator[WatchedPage]:
    context = browser.new_context(**context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watched = WatchedPage(page=page, origin=origin)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":  # a CSP violation or a refused MIME type is one too
            watched.problems.append(f"console: {message.text} at {message.location}")

    def on_request(request: Request) -> None:
        if not request.url.startswith(origin + "/"):
            watched.problems.append(f"foreign request: {request.url}")

    def on_websocket(socket: WebSocket) -> None:
        if not socket.url.startswith("ws" + origin.removeprefix("http") + "/"):
            watched.problems.append(f"foreign websocket: {socket.url}")

    def on_failed(request: Request) -> None:
        if not cancelled_by_navigation(request):
            watched.problems.append(f"failed: {request.url}: {request.failure}")

    def on_response(response: Response) -> None:
        if response.url.startswith(origin + "/static/"):
            watched.static_loaded.append(response.url.removeprefix(origin))
            if response.status != 200:
                watched.problems.append(f"{response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.problems.append(f"exception: {error}"))
    page.on("request", on_request)
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    page.on("websocket", on_websocket)
    try:
        yield watched
    finally:
        context.close()


def log_in(watched: WatchedPage, username: str, password: str) -> None:
    """Through the login form: asked for the overview, sent to ``/login/``, then back."""
    page, origin = watched.page, watched.origin
    page.goto(origin + "/")
    expect(page).to_have_url(f"{origin}/login/?next=/")
    assert_styled(watched)
    # board.css, the login page's own stylesheet, lays each field out as a column.
    assert watched.style(".board-field", "flexDirection") == "column"
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(origin + "/")
    expect(page.get_by_role("heading", name="Queues", exact=True, level=1)).to_be_visible()


def assert_styled(watched: WatchedPage) -> None:
    """queueboard.css applied: only it makes the header a flex row (a header is a block)."""
    assert watched.style(".qb-header", "display") == "flex"
    assert watched.style(".skip-link", "position") == "absolute"


def seed_failed_job(worker: NodeWorker, redis_url: str) -> None:
    """The queue's first job, failed: run before the board starts, so that its live reader
    finds the queue at once (it rediscovers queues only when its list, cached 30 s, expires)."""
    worker.add('{"fail": true, "steps": 1, "stepMs": 1}')
    wait_for(lambda: count(redis_url, "failed") == 1)


def assert_jobs_arrive_live(watched: WatchedPage, worker: NodeWorker) -> None:
    """On the failed list of ``seed_failed_job``'s queue, a job that the Node worker fails
    shows up at the top without a reload, and the tab counts follow."""
    page = watched.page
    page.goto(f"{watched.origin}/queue/bullmq/{QUEUE}/?state=failed")
    assert_styled(watched)
    expect(page.locator("#qb-live")).to_have_attribute("data-live", "live")
    watched.mark_document()
    # The reader seeds each stream from its newest entry when it starts: a job completing
    # shows in the tab counts once it reads past that (live, or by its resync every 5 s).
    worker.add('{"steps": 1, "stepMs": 1}')
    expect(page.locator("#qb-tab-count-completed")).to_have_text("1", timeout=15_000)
    assert_failing_job_arrives_on_top(watched, worker)
