"""Everything the pages load comes from the board itself (no CDN), and nothing errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BoardPage

pytestmark = pytest.mark.browser


def test_pages_load_only_own_assets_without_errors(
    board_page: BoardPage, node_basic: dict[str, list[str]]
) -> None:
    ids = node_basic
    job_id = ids["failed"][0]
    page = board_page.page
    paths = [
        "/",
        "/queue/bullmq/node-basic/",
        "/queue/bullmq/node-basic/?state=completed",
        f"/queue/bullmq/node-basic/job/{job_id}/",
        *(f"/queue/bullmq/node-basic/job/{job_id}/?tab={tab}" for tab in ("data", "logs")),
    ]
    for path in paths:
        response = board_page.goto(path)
        assert response.status == 200, path
        # The stylesheet applied and both scripts ran: all three came from the board.
        assert page.evaluate("typeof window.htmx") == "object", path
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.skip-link')).position")
            == "absolute"
        ), path

    # An htmx swap on the job page fetches from the board as well.
    page.locator('nav.qb-tabs a.qb-tab[href="?tab=timeline"]').click()
    expect(page.locator("#job-timeline")).to_be_visible()

    assert board_page.requests, "no request was recorded"
    static = {
        url.removeprefix(board_page.origin) for url in board_page.requests if "/static/" in url
    }
    assert all(path.startswith("/static/queues/") for path in static), static
    assert {
        "/static/queues/queueboard.css",
        "/static/queues/queueboard.js",
        "/static/queues/vendor/htmx/htmx-4.0.1.min.js",
    } <= static
    board_page.assert_clean()
