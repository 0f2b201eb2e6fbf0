"""The RQ queue and job pages in Chromium at 390, 768 and 1440 px, light and dark: no sideways
scroll or cut text, readable colours (the Deferred, Stopped and Canceled states' too), a clean
console; screenshots in ``$TMPDIR/qb-shots/rq/``."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import LiveBoard, open_board_page
from tests.fixtures_rq import restore

pytestmark = pytest.mark.browser

PAGES = {
    "rq-overview": "/",
    "rq-queue-failed": "/queue/rq/json/?state=failed",
    "rq-queue-canceled": "/queue/rq/json/?state=canceled",
    "rq-job-stopped": "/queue/rq/json/job/stopped/",
    "rq-job-pickled": "/queue/rq/pickle/job/pickled-done/",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_rq_pages_at_every_width(
    scheme: str,
    transactional_db: None,
    browser: Browser,
    rq_board: LiveBoard,
    rq_redis: Any,
    rq_rich_snapshot: Any,
    staff_user: Any,
) -> None:
    restore(rq_redis, rq_rich_snapshot[0])
    failures: list[str] = []
    options = {"color_scheme": scheme, "viewport": {"width": 1440, "height": 900}}
    for board in open_board_page(browser, rq_board, staff_user, **options):
        page = board.page
        failures += board.problems_at_every_width(PAGES, "rq", scheme)
        stopped = board.goto(PAGES["rq-job-stopped"])
        assert stopped is not None
        assert page.locator("#job-state").inner_text() == "Stopped"
        failures += board.console_errors + board.page_errors + board.failed_requests
        assert board.foreign_requests() == []
    assert failures == [], "\n".join(failures)
