"""Board-wide actions, obliterate and the latest view by clicking, in Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant
from tests.browser.conftest import BoardPage, LiveBoard, open_board_page
from tests.fixtures_bullmq import write_finished_jobs

pytestmark = pytest.mark.browser


@pytest.fixture
def two_queues(redis_url: str) -> None:
    write_finished_jobs(redis_url, "north", 3, "failed")
    write_finished_jobs(redis_url, "south", 2, "failed")


@pytest.fixture
def operator_page(
    transactional_db: None, browser: Browser, live_board: LiveBoard, staff_user: Any
) -> Iterator[BoardPage]:
    operator = grant(staff_user, *ALL_ACTION_PERMISSIONS, "obliterate_queues")
    yield from open_board_page(browser, live_board, operator, color_scheme="dark")


def test_retry_failed_everywhere(operator_page: BoardPage, two_queues: None) -> None:
    page = operator_page.page
    operator_page.goto("/")
    page.get_by_role("link", name="Retry failed everywhere").click()
    expect(page.locator("#confirm-count")).to_contain_text("5 failed jobs in 2 queues")
    page.get_by_role("button", name="Retry failed everywhere").click()
    expect(page.locator("#run-state")).to_have_attribute("data-status", "finished")
    expect(page.locator('#run-summary tr[data-outcome="done"]')).to_have_count(2)
    expect(page.locator("#run-done")).to_have_text("5")
    operator_page.screenshot("board-actions/retry-failed-run")
    assert operator_page.console_errors == [] and operator_page.page_errors == []


def test_pause_all_then_obliterate_one(operator_page: BoardPage, two_queues: None) -> None:
    page = operator_page.page
    operator_page.goto("/")
    page.get_by_role("link", name="Pause all").click()
    page.get_by_role("button", name="Pause all").click()
    expect(page.locator("#run-state")).to_have_attribute("data-status", "finished")
    operator_page.goto("/queue/bullmq/north/")
    page.get_by_role("link", name="Obliterate").click()
    expect(page.locator("#confirm-count")).to_contain_text("3")
    page.get_by_label("Type north to confirm").fill("south")
    page.get_by_role("button", name="Obliterate").click()
    expect(page.locator(".qb-error")).to_contain_text("Type the queue's name")
    page.go_back()
    page.get_by_label("Type north to confirm").fill("north")
    page.get_by_role("button", name="Obliterate").click()
    expect(page.locator("#run-state")).to_have_attribute("data-status", "finished")
    operator_page.screenshot("board-actions/obliterate-run")
    page.get_by_role("link", name="Back to the queues").click()
    expect(page.get_by_role("link", name="south", exact=True).first).to_be_visible()
    expect(page.get_by_role("link", name="north", exact=True)).to_have_count(0)


def test_the_latest_tab(operator_page: BoardPage, two_queues: None) -> None:
    page = operator_page.page
    operator_page.goto("/queue/bullmq/north/")
    page.locator(".qb-tab-latest").click()
    expect(page.locator(".qb-latest-jobs tbody tr")).to_have_count(3)
    expect(page.locator(".qb-tab-latest")).to_have_attribute("aria-current", "page")
    page.locator(".qb-tabs .state-failed").click()
    expect(page).to_have_url(re.compile(r"/queue/bullmq/north/\?state=failed$"))
