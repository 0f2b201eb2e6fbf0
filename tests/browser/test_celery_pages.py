"""The Celery pages in Chromium at 390, 768 and 1440 px, light and dark, on tasks a real worker
ran: the overview, a queue whose waiting tasks are counted (the notice, no table), a task found
by its id through the *Open job* box, a failed task's traceback; no sideways scroll or cut text,
readable colours, a clean console; screenshots in ``$TMPDIR/qb-shots/celery/``."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import LiveBoard, open_board_page
from tests.fixtures_rq import restore

pytestmark = pytest.mark.browser

PAGES = {
    "celery-overview": "/",
    "celery-queue": "/queue/celery/contract/",
    "celery-job-failed": "/queue/celery/contract/job/contract-fail-1/?tab=error",
    "celery-job-done": "/queue/celery/contract/job/contract-done-2/",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_celery_pages_at_every_width(
    scheme: str,
    transactional_db: None,
    browser: Browser,
    celery_board: LiveBoard,
    celery_redis: Any,
    celery_contract_snapshot: Any,
    staff_user: Any,
) -> None:
    restore(celery_redis, celery_contract_snapshot[0])
    failures: list[str] = []
    options = {"color_scheme": scheme, "viewport": {"width": 1440, "height": 900}}
    for board in open_board_page(browser, celery_board, staff_user, **options):
        page = board.page
        failures += board.problems_at_every_width(PAGES, "celery", scheme)
        board.goto(PAGES["celery-queue"])
        expect(page.locator(".qb-unlisted")).to_contain_text("4 waiting jobs")
        assert page.locator("table.qb-jobs").count() == 0
        page.get_by_label("Job id").fill("contract-done-1")
        page.get_by_role("button", name="Open job").click()
        expect(page.locator("h1")).to_contain_text("tests.add")
        failures += board.console_errors + board.page_errors + board.failed_requests
        assert board.foreign_requests() == []
    assert failures == [], "\n".join(failures)
