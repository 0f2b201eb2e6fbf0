"""Schedules by clicking, in Chromium: the board's list leads to a schedule; Remove asks first
(and a dismissed question changes nothing); Run now starts the armed job; a bad edit shows its
reason and a good one is saved; Remove lands on the queue page; without permissions no buttons."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from playwright.sync_api import Browser, expect

from tests.actions_helpers import grant
from tests.browser import schedule_showcase
from tests.browser.conftest import BoardPage, LiveBoard, open_board_page
from tests.browser.test_responsive import SCHEDULE_PERMISSIONS, schedule_path

pytestmark = pytest.mark.browser

Q = schedule_showcase.QUEUE
DAILY = schedule_showcase.DAILY_ID


@pytest.fixture
def schedules(redis_url: str) -> Iterator[redis.Redis]:
    schedule_showcase.seed_schedules(redis_url)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def operator_page(
    transactional_db: None, browser: Browser, live_board: LiveBoard, staff_user: Any
) -> Iterator[BoardPage]:
    operator = grant(staff_user, *SCHEDULE_PERMISSIONS)
    yield from open_board_page(browser, live_board, operator, color_scheme="light")


def test_actions_by_clicking(operator_page: BoardPage, schedules: redis.Redis) -> None:
    board, page = operator_page, operator_page.page
    board.goto("/schedules/")
    page.get_by_role("link", name=DAILY, exact=True).click()
    expect(page.locator("h1")).to_have_text(DAILY)
    expect(page.get_by_text("Next 5 runs (estimate)")).to_be_visible()
    expect(page.locator(".qb-schedule-preview li")).to_have_count(5)
    expect(page.locator(".qb-schedule-runs tbody tr")).to_have_count(3)

    # Remove asks first; the question dismissed, nothing changes.
    page.get_by_role("button", name="Remove").click()
    assert board.dialogs and "Remove schedule report:daily" in board.dialogs[-1]
    assert schedules.zscore(f"bull:{Q}:repeat", DAILY) is not None
    board.dialogs.clear()

    page.evaluate("document.documentElement.setAttribute('data-confirm', 'off')")
    armed = page.locator("dd a[href*='/job/']").first.inner_text()
    page.get_by_role("button", name="Run now").click()
    expect(page.locator(".qb-notice")).to_contain_text("started now")
    assert schedules.zscore(f"bull:{Q}:delayed", armed) is None
    assert schedules.lpos(f"bull:{Q}:wait", armed) is not None

    page.evaluate("document.documentElement.setAttribute('data-confirm', 'off')")
    page.get_by_label("Cron pattern").fill("0 25 * * *")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".qb-notice-error")).to_contain_text("not a valid cron pattern")
    assert schedules.hget(f"bull:{Q}:repeat:{DAILY}", "pattern") == "0 9 * * 1-5"

    page.evaluate("document.documentElement.setAttribute('data-confirm', 'off')")
    page.get_by_label("Cron pattern").fill("45 6 * * *")
    page.get_by_label("Time zone").fill("Asia/Tokyo")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".qb-notice")).to_contain_text("changed")
    expect(page.locator(".qb-facts")).to_contain_text("At 06:45")
    assert schedules.hget(f"bull:{Q}:repeat:{DAILY}", "tz") == "Asia/Tokyo"

    page.evaluate("document.documentElement.setAttribute('data-confirm', 'off')")
    page.get_by_role("button", name="Remove").click()
    expect(page.locator(".qb-notice")).to_contain_text("removed")
    assert page.url.endswith(f"/queue/bullmq/{Q}/")
    assert schedules.zscore(f"bull:{Q}:repeat", DAILY) is None
    board.assert_clean()


def test_no_buttons_without_permissions(
    transactional_db: None, browser: Browser, live_board: LiveBoard, staff_user: Any,
    schedules: redis.Redis,
) -> None:  # fmt: skip
    for board in open_board_page(browser, live_board, staff_user, color_scheme="dark"):
        board.goto(schedule_path(schedule_showcase.ODD_ID))
        expect(board.page.locator("h1")).to_contain_text("<b>digest</b>")  # shown as text
        expect(board.page.get_by_role("button", name="Run now")).to_have_count(0)
        expect(board.page.get_by_role("button", name="Remove")).to_have_count(0)
        expect(board.page.get_by_label("Cron pattern")).to_have_count(0)
        board.assert_clean()
