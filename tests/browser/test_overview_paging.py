"""The overview at many queues in Chromium: a page of rows with the pager and the totals, the
name filter typed and sent, the next page clicked; the page holds at 390, 768 and 1440 px, light
and dark (layout, contrast, keyboard, a clean console). Screenshots go to
``/tmp/qb-shots/overview-paging/``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from queues.overview_paging import OVERVIEW_PER_PAGE
from tests import bullmq_producers as producers
from tests.browser.conftest import SHOTS, BoardPage, LiveBoard, open_board_page
from tests.browser.test_responsive import (
    CONTRAST,
    LAYOUT,
    console_problems,
    max_header,
    walk_by_keyboard,
)

pytestmark = pytest.mark.browser

COUNT = 2 * OVERVIEW_PER_PAGE + 50
WIDTHS = (390, 768, 1440)


def names() -> list[str]:
    return [f"tenant-{n:04d}.emails" if n % 2 else f"tenant-{n:04d}" for n in range(COUNT)]


@pytest.fixture
def many(redis_url: str) -> list[str]:
    r = producers.client(redis_url)
    pipe = r.pipeline(transaction=False)
    for n, name in enumerate(names()):
        producers.write_queue_keys(pipe, name)
        producers.write_job(pipe, name, "1", "wait")
        if n % 7 == 0:
            producers.write_job(pipe, name, "f1", "failed", failedReason="x", finishedOn=1)
    pipe.execute()
    r.close()
    return sorted(names())


@pytest.fixture(params=["light", "dark"])
def board(
    request: pytest.FixtureRequest,
    transactional_db: None,
    browser: Browser,
    live_board: LiveBoard,
    django_user_model: Any,
    many: list[str],
) -> Iterator[tuple[BoardPage, str]]:
    user = django_user_model.objects.create_user("pager", password="pw", is_staff=True)
    options = {"color_scheme": request.param, "viewport": {"width": WIDTHS[0], "height": 900}}
    for page in open_board_page(browser, live_board, user, **options):
        yield page, str(request.param)


def views(board: BoardPage, name: str) -> None:
    """Screenshots of what the window shows at the top (the filter) and at the pager."""
    page = board.page
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"overview-paging/{name}-top.png"), caret="initial")
    page.locator("#backend-bullmq nav.qb-overview-pager").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"overview-paging/{name}-pager.png"), caret="initial")


def shown_rows(board: BoardPage) -> list[str]:
    rows = board.page.locator("#backend-bullmq tr.qb-queue-row")
    return [str(rows.nth(i).get_attribute("data-queue")) for i in range(rows.count())]


def test_pages_and_filter_hold_at_every_width(
    board: tuple[BoardPage, str], many: list[str]
) -> None:
    page_, scheme = board
    page = page_.page
    (SHOTS / "overview-paging").mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page_.goto("/?page=2")
        assert response is not None and response.status == 200
        page.wait_for_load_state("networkidle")
        assert shown_rows(page_) == many[OVERVIEW_PER_PAGE : 2 * OVERVIEW_PER_PAGE]
        assert page.locator("#backend-bullmq tr.qb-queue-totals").count() == 1
        assert page.locator('#backend-bullmq nav.qb-overview-pager a[aria-current="page"]').count()
        page_.screenshot(f"overview-paging/page-2-{width}-{scheme}")
        views(page_, f"page-2-{width}-{scheme}")
        found = page.evaluate(LAYOUT, max_header(width))
        found += page.evaluate(CONTRAST)
        found += walk_by_keyboard(page_)
        failures += [f"{width} px: {problem}" for problem in found]
    failures += console_problems(page_, "overview")
    assert failures == [], "\n".join(failures)
    assert page_.foreign_requests() == []


@pytest.mark.parametrize("board", ["light"], indirect=True)
def test_typing_a_filter_and_clicking_next(board: tuple[BoardPage, str], many: list[str]) -> None:
    page_, _ = board
    page = page_.page
    page.set_viewport_size({"width": 1440, "height": 900})
    page_.goto("/")
    page.wait_for_load_state("networkidle")
    assert shown_rows(page_) == many[:OVERVIEW_PER_PAGE]
    page.locator("#backend-bullmq nav.qb-overview-pager a[rel=next]").click()
    page.wait_for_url("**/?page=2")
    assert shown_rows(page_) == many[OVERVIEW_PER_PAGE : 2 * OVERVIEW_PER_PAGE]

    box = page.locator('.qb-overview-controls input[name="q"]')
    box.fill("EMAILS")
    box.press("Enter")
    page.wait_for_url("**q=EMAILS**")
    emails = [name for name in many if "emails" in name]
    assert shown_rows(page_) == emails[:OVERVIEW_PER_PAGE]
    totals = page.locator("#backend-bullmq tr.qb-queue-totals th").inner_text()
    assert str(len(emails)) in totals
    page.wait_for_load_state("networkidle")
    page_.screenshot("overview-paging/filtered-1440-light")
    views(page_, "filtered-1440-light")
    assert console_problems(page_, "overview") == []
