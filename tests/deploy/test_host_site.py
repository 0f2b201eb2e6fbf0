"""The host site a new user builds from README.md, served as in production and used in Chromium.

``host_site`` follows "Mounting in an existing Django site" and "Live updates" to the letter
(the wheel, a fresh virtual environment with this suite's Python and Django, the pip line,
``startproject mysite``, the settings, urls, Django Tasks and asgi blocks, migrate,
collectstatic, createsuperuser, ``check``), then adds only DEBUG=False, ALLOWED_HOSTS and a
SECRET_KEY. Each test runs under daphne and under uvicorn; the last one under gunicorn, where
live updates fall back to polling.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Response, expect

from tests.browser.conftest import BoardPage
from tests.deploy.conftest import (
    BOARD,
    BULK_JOBS,
    LIST_JOBS,
    VIEWER,
    Deployment,
    add_jobs,
    count,
    logged_in,
    worker,
)
from tests.deploy.host_site import SUPERUSER, HostSite

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = Path(tempfile.gettempdir()) / "qb-shots" / "host-site"
#: Phone, tablet and desktop widths of the screenshots.
WIDTHS = (390, 768, 1440)
#: A year: the least a hashed static file must be cached for.
YEAR = 31_536_000
#: collectstatic's hashed names (``queueboard.0123456789ab.css``).
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")
#: The job list's buttons for selected jobs (shown to users who may use them).
SELECTION_ACTIONS = ("Retry selected", "Promote selected", "Remove selected")
#: What Chromium and htmx log when a WSGI server answers the WebSocket as a plain request.
REFUSED_SOCKET = re.compile(
    r"WebSocket connection to 'ws://[^']+/ops/queues/ws/[^']*' failed|htmx:ws:error"
)


def queue_path(queue: str, query: str = "") -> str:
    return f"{BOARD}queue/bullmq/{queue}/{query}"


def job_path(queue: str, job_id: str, query: str = "") -> str:
    return f"{BOARD}queue/bullmq/{queue}/job/{job_id}/{query}"


def one_header(board: BoardPage) -> None:
    """The page has the board's frame once (an htmx swap that got a whole page doubles it)."""
    expect(board.page.locator("header.qb-header")).to_have_count(1)
    expect(board.page.locator("main")).to_have_count(1)


def assert_styled(board: BoardPage) -> None:
    """queueboard.css applied: its custom properties, the header's flex layout, the page's
    background (a browser's own is transparent)."""
    page = board.page
    style = page.evaluate(
        """() => ({
            bg: getComputedStyle(document.documentElement).getPropertyValue("--bg").trim(),
            header: getComputedStyle(document.querySelector("header.qb-header")).display,
            body: getComputedStyle(document.body).backgroundColor,
        })"""
    )
    assert style["bg"] and style["header"] == "flex", f"queueboard.css not applied: {style}"
    assert style["body"] not in ("", "rgba(0, 0, 0, 0)", "transparent"), style


def retry_until_completed(
    board: BoardPage, redis_url: str, queue: str, job_id: str, *, live: str
) -> None:
    """On the open page of failed job ``job_id``: Retry, then a Node worker completes it and
    the page shows it without a reload (``live``: the page's ``data-live``, live or polling)."""
    page = board.page
    page.get_by_role("button", name="Retry", exact=True).click()
    expect(page.locator("#notices")).to_contain_text(f"Job {job_id} retried.")
    expect(page.locator("#job-state")).to_have_text("Waiting")
    expect(page.locator("#qb-live")).to_have_attribute("data-live", live)
    board.mark_document()
    with worker(redis_url, queue):
        expect(page.locator("#job-state")).to_have_text("Completed", timeout=15_000)
    assert board.same_document()


def test_login_styles_and_long_cached_static_files(admin_page: BoardPage) -> None:
    page = admin_page.page
    statics: list[Response] = []
    page.on("response", lambda r: statics.append(r) if "/static/" in r.url else None)
    admin_page.goto(BOARD)
    expect(page.get_by_role("heading", name="Queues", exact=True, level=1)).to_be_visible()
    expect(page.locator(".qb-user")).to_have_text(SUPERUSER["username"])
    # Both backends of the README's settings answer: BullMQ's queues, Django Tasks' default.
    expect(page.locator("#backend-bullmq tr.qb-queue-row").first).to_be_visible()
    expect(page.locator('#backend-tasks tr.qb-queue-row[data-queue="default"]')).to_be_visible()
    expect(page.locator(".qb-problem")).to_have_count(0)
    assert_styled(admin_page)
    expect(page.locator("#qb-live")).to_have_attribute("data-live", "live")

    served = {response.url.rsplit("/", 1)[-1]: response for response in statics}
    assert any(name.startswith("queueboard.") and name.endswith(".css") for name in served), served
    assert any(name.startswith("htmx-4.0.1.min.") for name in served), served
    for name, response in served.items():
        assert response.status == 200, (name, response.status)
        assert HASHED.search(name), f"{name}: not collectstatic's hashed copy"
        cache = response.headers.get("cache-control", "")
        max_age = re.search(r"max-age=(\d+)", cache)
        assert max_age and int(max_age.group(1)) >= YEAR, f"{name}: Cache-Control {cache!r}"
    one_header(admin_page)
    admin_page.assert_clean()


def test_every_htmx_swap_keeps_one_header(admin_page: BoardPage, asgi_server: Deployment) -> None:
    page, queues = admin_page.page, asgi_server.queues

    # The queue opens on its waiting jobs: pagination, a state tab, a search, all swapped.
    admin_page.goto(queue_path(queues.name("list")))
    rows = page.locator("#job-list tr.qb-job-row")
    expect(rows).to_have_count(20)
    admin_page.mark_document()
    page.locator("#job-list nav.qb-pagination a[rel=next]").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(rows).to_have_count(LIST_JOBS - 20)
    one_header(admin_page)
    admin_page.open_state_tab("Completed")
    expect(page.locator("#job-list p.qb-empty")).to_have_text("No completed jobs.")
    one_header(admin_page)
    admin_page.open_state_tab("Waiting")
    expect(rows).to_have_count(20)
    page.get_by_role("searchbox", name="Search").fill("17")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-job-id", "17")
    one_header(admin_page)
    assert admin_page.same_document()

    # A job page's tab.
    rows.first.locator("a.qb-job-id").click()
    expect(page).to_have_url(re.compile(r"/job/17/$"))
    admin_page.mark_document()
    page.locator('nav.qb-tabs a.qb-tab[href="?tab=options"]').click()
    expect(page).to_have_url(re.compile(r"\?tab=options$"))
    one_header(admin_page)
    assert admin_page.same_document()

    # Retry all failed: the confirmation, then the run's page, which polls until it is done.
    admin_page.goto(queue_path(queues.name("bulk"), "?state=failed"))
    page.get_by_role("link", name="Retry all", exact=True).click()
    expect(page.locator("#confirm-count")).to_contain_text(f"This will touch {BULK_JOBS} jobs")
    polls: list[Response] = []
    page.on("response", lambda r: polls.append(r) if r.request.headers.get("hx-request") else None)
    page.get_by_role("button", name="Retry all", exact=True).click()
    expect(page).to_have_url(re.compile(r"/runs/[^/]+/$"))
    admin_page.mark_document()
    expect(page.locator("#run-state")).to_have_attribute("data-status", "finished", timeout=60_000)
    expect(page.locator("#run-done")).to_have_text(str(BULK_JOBS))
    assert polls, f"the run of {BULK_JOBS} jobs ended before its page loaded: nothing polled"
    assert all(r.url == page.url and r.status == 200 for r in polls), polls
    one_header(admin_page)
    assert admin_page.same_document()
    admin_page.assert_clean()


def test_a_new_job_appears_live_and_a_retried_job_is_processed(
    admin_page: BoardPage, asgi_server: Deployment, site_redis: str
) -> None:
    page, queues, url = admin_page.page, asgi_server.queues, site_redis
    admin_page.goto(queue_path(queues.name("live")))
    expect(page.locator("#qb-live")).to_have_attribute("data-live", "live")
    rows = page.locator("#job-list tr.qb-job-row")
    expect(rows).to_have_count(1)
    admin_page.mark_document()
    (added,) = add_jobs(url, queues.name("live"), 1)
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-job-id", added)
    expect(page.locator("#qb-tab-count-waiting")).to_have_text("2")
    assert admin_page.same_document()

    # A job a Node worker failed: Retry, then a (fixed) worker completes it, live on its page.
    queue, job_id = queues.name("retry"), queues.retry_job
    admin_page.goto(job_path(queue, job_id))
    expect(page.locator("#job-state")).to_have_text("Failed")
    retry_until_completed(admin_page, url, queue, job_id, live="live")
    assert count(url, queue, "completed") == 1
    admin_page.assert_clean()


def test_a_staff_user_without_permissions_sees_no_actions_and_gets_403(
    chromium: Browser, asgi_server: Deployment, site_redis: str
) -> None:
    server, queue = asgi_server.server, asgi_server.queues.name("denied")
    job_id = asgi_server.queues.denied_job
    with logged_in(chromium, server, VIEWER["username"], VIEWER["password"]) as board:
        page = board.page
        board.goto(queue_path(queue, "?state=failed"))
        expect(page.locator("#job-list tr.qb-job-row")).to_have_count(1)
        expect(page.locator("#queue-actions a, #queue-actions button")).to_have_count(0)
        for name in SELECTION_ACTIONS:
            expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
        expect(page.get_by_role("checkbox")).to_have_count(0)
        board.goto(job_path(queue, job_id))
        expect(page.locator("#job-state")).to_have_text("Failed")
        expect(page.locator("#job-actions button")).to_have_count(0)
        token = page.locator('meta[name="csrf-token"]').get_attribute("content")
        response = page.request.post(
            f"{server.url}{BOARD}api/queues/bullmq/{queue}/jobs/{job_id}/retry",
            headers={"X-CSRFToken": token or "", "Referer": server.url + BOARD},
        )
        assert response.status == 403, response.text()
        assert "queues.retry_jobs" in response.json()["error"]["message"]
        assert count(site_redis, queue, "failed") == 1
        board.assert_clean()


def test_log_out_from_the_header(admin_page: BoardPage, asgi_server: Deployment) -> None:
    page = admin_page.page
    logout = page.locator("header.qb-header form[method=post]:has(button)")
    expect(logout).to_have_attribute("action", "/admin/logout/")
    expect(logout).to_have_attribute("method", "post")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    admin_page.goto(BOARD)
    expect(page).to_have_url(f"{asgi_server.server.url}/admin/login/?next={BOARD}")
    expect(page.get_by_label("Username")).to_be_visible()
    admin_page.assert_clean()


def test_under_gunicorn_pages_work_and_live_updates_fall_back_to_polling(
    chromium: Browser, host_site: HostSite, wsgi_server: Deployment, site_redis: str
) -> None:
    server, queue = wsgi_server.server, wsgi_server.queues.name("retry")
    job_id = wsgi_server.queues.retry_job
    with logged_in(chromium, server, SUPERUSER["username"], host_site.password) as board:
        page = board.page
        assert_styled(board)
        board.goto(queue_path(queue))
        expect(page.locator("#job-list tr.qb-job-row")).to_have_count(1)
        expect(page.locator("#qb-live")).to_have_attribute("data-live", "polling")
        expect(page.locator("#qb-live-text")).to_have_text(
            "Live updates unavailable: refreshing every 5 s"
        )
        board.goto(job_path(queue, job_id))
        assert_styled(board)
        retry_until_completed(board, site_redis, queue, job_id, live="polling")
        # The refused WebSockets are the only errors: gunicorn answers them as plain requests.
        board.console_errors = [e for e in board.console_errors if not REFUSED_SOCKET.search(e)]
        board.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_overview_and_queue_page_at_phone_tablet_and_desktop_widths(
    chromium: Browser, host_site: HostSite, asgi_server: Deployment, scheme: str
) -> None:
    """Screenshots under /tmp/qb-shots/host-site/; the page never scrolls sideways."""
    server, queue = asgi_server.server, asgi_server.queues.name("list")
    with logged_in(
        chromium, server, SUPERUSER["username"], host_site.password, color_scheme=scheme
    ) as board:
        page = board.page
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for name, path in (("overview", BOARD), ("queue", queue_path(queue))):
                board.goto(path)
                expect(page.locator("#qb-live")).to_have_attribute("data-live", "live")
                one_header(board)
                shot = SHOTS / f"{server.name}-{name}-{width}-{scheme}.png"
                shot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shot), full_page=True, caret="initial")
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, f"{name} at {width} px scrolls sideways by {overflow} px"
        board.assert_clean()
