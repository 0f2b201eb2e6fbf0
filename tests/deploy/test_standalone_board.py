"""The standalone board started exactly as README.md's "Standalone board" block says.

The block runs in ``sh`` as written, with only what a user replaces filled in: a real secret
key, a password, the test's private Redis and a free port (its ``pip install -e`` line is
already satisfied by the test environment). The database and ``STATIC_ROOT`` live in a scratch
directory. Then, in production mode (``DEBUG`` unset): the static files the pages name are
served by WhiteNoise with their media type, hashed names cached a year and gzip copies; in
Chromium the login page and the board are styled, nothing errors, and a job a Node bullmq
worker fails shows up live. Last, the demo's mode (``DEBUG=1``, no ``collectstatic``) serves
static files too.
"""

from __future__ import annotations

import gzip
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import launch_chromium
from tests.browser.live_node import QUEUE, NodeWorker
from tests.deploy.standalone import (
    IMMUTABLE,
    ROOT,
    ServedBoard,
    UserValues,
    Visitor,
    assert_jobs_arrive_live,
    assert_styled,
    expected_assets,
    gzip_answer,
    log_in,
    page_assets,
    readme_block,
    seed_failed_job,
    served_assets,
    start_script,
    superuser_name,
    unhashed,
    user_environment,
    user_script,
    watched_page,
)
from tests.redis_server import RedisServer, free_port

pytestmark = pytest.mark.slow

SHOTS = Path("/tmp/qb-shots/standalone")
PASSWORD = secrets.token_urlsafe(16)
#: What the pages must load, by unhashed name (the stylesheets, htmx, the board's scripts).
NEEDED = {
    "queues/queueboard.css",
    "queues/queueboard.js",
    "queues/live.css",
    "queues/live.js",
    "queues/favicon.svg",
    "queues/vendor/htmx/htmx-4.0.1.min.js",
    "queues/vendor/htmx/ext/hx-ws-4.0.1.min.js",
    "board/board.css",
}


def block() -> str:
    return readme_block("Standalone board", "board.asgi:application")


def start_readme_board(
    home: Path, redis_url: str, *, collectstatic: bool = True, **variables: str
) -> tuple[ServedBoard, str]:
    """The README's block run in ``home``'s shell; the board and its superuser's name."""
    port = free_port()
    values = UserValues(secrets.token_urlsafe(50), PASSWORD, redis_url, port)
    script = user_script(block(), values, collectstatic=collectstatic)
    env = user_environment(home, **variables)
    return start_script(script, ROOT, env, port, home / "shell.log"), superuser_name(script)


@pytest.fixture(scope="module")
def production(
    redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServedBoard, str]]:
    """The board as the README starts it, ``DEBUG`` unset."""
    board, username = start_readme_board(tmp_path_factory.mktemp("standalone"), redis_server.url)
    yield board, username
    board.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def node_worker(node_modules: Path, redis_url: str) -> Iterator[NodeWorker]:
    worker = NodeWorker(redis_url, QUEUE)
    yield worker
    worker.stop()


def assets_of_pages(board: ServedBoard, username: str) -> set[str]:
    """The static URLs that the login page, the overview and a queue page name."""
    visitor = Visitor(board.origin)
    named = set(page_assets(visitor.get("/login/").body))
    visitor.log_in(username, PASSWORD)
    for path in ("/", "/queue/bullmq/node-basic/"):
        page = visitor.get(path)
        assert page.status == 200, (path, page.status)
        named |= set(page_assets(page.body))
    return named


def test_the_block_ran_as_written_into_the_scratch_directory(
    production: tuple[ServedBoard, str],
) -> None:
    board, _ = production
    home = board.log.parent
    assert (home / "db.sqlite3").is_file()  # migrate
    assert (home / "staticfiles" / "staticfiles.json").is_file()  # collectstatic's manifest
    log = board.log_tail()
    assert "+ daphne -b 127.0.0.1 -p " in log and "Superuser created successfully." in log


@pytest.mark.node
def test_static_files_are_served_hashed_with_their_type_and_cached_a_year(
    production: tuple[ServedBoard, str], node_produce: Callable[[str], Any]
) -> None:
    board, username = production
    node_produce("basic")
    named = assets_of_pages(board, username)
    assert NEEDED <= {unhashed(path) for path in named}, named
    # Hashed names only: a name that changes with the content is what may be cached a year.
    assert all(unhashed(path) != path.removeprefix("/static/") for path in named), named
    assert served_assets(board.origin, named) == expected_assets(named, IMMUTABLE)


@pytest.mark.node
def test_gzip_for_clients_that_accept_it(
    production: tuple[ServedBoard, str], node_produce: Callable[[str], Any]
) -> None:
    board, username = production
    node_produce("basic")
    texts = {path for path in assets_of_pages(board, username) if path.endswith((".css", ".js"))}
    assert texts
    for path in sorted(texts):
        plain, packed = gzip_answer(board.origin, path)
        assert (plain.status, packed.status) == (200, 200), path
        assert plain.headers["Content-Encoding"] is None, path
        assert packed.headers["Content-Encoding"] == "gzip", path
        assert "Accept-Encoding" in (packed.headers["Vary"] or ""), path
        assert gzip.decompress(packed.body) == plain.body, path


@pytest.mark.browser
@pytest.mark.node
def test_in_chromium_after_logging_in_the_board_is_styled_and_live(
    chromium: Browser, node_worker: NodeWorker, redis_url: str, tmp_path: Path
) -> None:
    """A board of its own, started with a Node worker's queue already in Redis."""
    seed_failed_job(node_worker, redis_url)
    board, username = start_readme_board(tmp_path, redis_url)
    try:
        with watched_page(chromium, board.origin, color_scheme="light") as watched:
            log_in(watched, username, PASSWORD)
            assert_styled(watched)
            expect(watched.page.locator("#qb-live")).to_have_attribute("data-live", "live")
            assert_jobs_arrive_live(watched, node_worker)
            loaded = {unhashed(path) for path in watched.static_loaded}
            assert NEEDED <= loaded, loaded
            assert watched.problems == []
    finally:
        board.stop()


@pytest.mark.browser
@pytest.mark.node
def test_screenshots_at_phone_tablet_and_desktop_widths_light_and_dark(
    production: tuple[ServedBoard, str], chromium: Browser, node_produce: Callable[[str], Any]
) -> None:
    board, username = production
    node_produce("basic")
    SHOTS.mkdir(parents=True, exist_ok=True)
    pages = {"login": "/login/", "overview": "/", "queue": "/queue/bullmq/node-basic/"}
    for scheme in ("light", "dark"):
        for width in (390, 768, 1440):
            viewport = {"width": width, "height": 900}
            options: dict[str, Any] = {"color_scheme": scheme, "viewport": viewport}
            with watched_page(chromium, board.origin, **options) as watched:
                page = watched.page
                page.emulate_media(color_scheme=scheme)
                for name, path in pages.items():
                    if name == "overview":
                        log_in(watched, username, PASSWORD)
                    page.goto(board.origin + path)
                    assert_styled(watched)
                    if name != "login":
                        expect(page.locator("#qb-live")).to_have_attribute("data-live", "live")
                    shot = SHOTS / f"{name}-{width}-{scheme}.png"
                    # caret="initial": hiding the caret injects a style, which the CSP refuses.
                    page.screenshot(path=str(shot), full_page=True, caret="initial")
                    if width >= 768:  # a tablet or wider: the page never scrolls sideways
                        wider = page.evaluate("document.documentElement.scrollWidth - innerWidth")
                        assert wider <= 0, (name, width, scheme)
                assert watched.problems == [], (width, scheme)


def test_debug_mode_serves_static_files_without_collectstatic(
    redis_url: str, tmp_path: Path
) -> None:
    """The demo's mode: ``DEBUG=1`` and no ``collectstatic``; WhiteNoise finds the apps' files."""
    board, username = start_readme_board(tmp_path, redis_url, collectstatic=False, DEBUG="1")
    try:
        assert not (tmp_path / "staticfiles").exists()
        visitor = Visitor(board.origin)
        named = set(page_assets(visitor.get("/login/").body))
        visitor.log_in(username, PASSWORD)
        named |= set(page_assets(visitor.get("/").body))
        # DEBUG links the files by their own names, which change with every edit: cached 0 s.
        assert {path.removeprefix("/static/") for path in named} >= NEEDED, named
        assert served_assets(board.origin, named) == expected_assets(named, "max-age=0, public")
    finally:
        board.stop()


def test_a_celery_broker_in_the_environment_shows_its_queues_in_production(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """``CELERY_BROKER_URL`` and ``CELERY_RESULT_URL`` set in the user's shell: the board in
    production mode shows the queue a real worker served, its waiting count, and a task by id."""
    from tests.fixtures_celery import RESULT_TIMEOUT, producer, start_worker, stop_worker

    celery_url = redis_server.url.rsplit("/", 1)[0] + "/7"
    app = producer(celery_url)
    worker = start_worker(celery_url, "mail", name="standalone")
    try:
        app.send_task("tests.add", (20, 22), queue="mail", task_id="answer").get(
            timeout=RESULT_TIMEOUT
        )
    finally:
        stop_worker(worker)
    app.send_task("tests.add", (1, 1), queue="mail", task_id="waiting")
    app.close()
    board, username = start_readme_board(
        tmp_path, redis_server.url, CELERY_BROKER_URL=celery_url, CELERY_RESULT_URL=celery_url
    )
    try:
        visitor = Visitor(board.origin)
        visitor.log_in(username, PASSWORD)
        overview = visitor.get("/")
        assert overview.status == 200 and b"/queue/celery/mail/" in overview.body
        queue = visitor.get("/queue/celery/mail/")
        assert queue.status == 200 and b"1 waiting job" in queue.body, queue.body[-2000:]
        job = visitor.get("/queue/celery/mail/job/answer/")
        assert job.status == 200 and b"tests.add" in job.body
    finally:
        board.stop()
