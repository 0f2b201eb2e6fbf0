"""htmx tabs replace only their own region of the page, and mark the tab now shown.

htmx 4 sends ``HX-Target: section#job-list`` (tag name and id); the views answer such requests
with the partial alone, and a job tab swap also updates the tab bar out of band, so
``aria-current`` follows the tab shown.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BoardPage

pytestmark = pytest.mark.browser


def assert_one_page_chrome(board: BoardPage) -> None:
    page = board.page
    assert page.locator("header.qb-header").count() == 1
    assert page.locator("main").count() == 1
    assert page.locator("h1").count() == 1
    assert page.locator("a.skip-link").count() == 1


def test_state_tab_swaps_only_the_job_list(
    board_page: BoardPage, node_basic: dict[str, list[str]]
) -> None:
    page = board_page.page
    board_page.goto("/queue/bullmq/node-basic/")
    board_page.mark_document()
    board_page.open_state_tab("Completed")
    expect(page).to_have_url(re.compile(r"\?state=completed$"))
    expect(page.locator("#job-list tr.qb-job-row").first).to_have_attribute(
        "data-job-id", node_basic["completed"][0]
    )
    assert board_page.same_document()
    assert page.locator("#job-list").count() == 1
    assert page.locator('nav[aria-label="Job states"]').count() == 1
    assert_one_page_chrome(board_page)
    board_page.assert_clean()


def test_job_tab_swaps_only_the_panel_and_marks_the_tab(
    board_page: BoardPage, node_basic: dict[str, list[str]]
) -> None:
    job_id = node_basic["failed"][0]
    page = board_page.page
    board_page.goto(f"/queue/bullmq/node-basic/job/{job_id}/")
    board_page.mark_document()
    page.locator('nav.qb-tabs a.qb-tab[href="?tab=logs"]').click()
    expect(page).to_have_url(re.compile(r"\?tab=logs$"))
    expect(page.locator("#job-logs li")).to_have_text([f"started {job_id}"])
    assert board_page.same_document()
    assert page.locator("#job-tab-panel").count() == 1
    assert page.locator('nav[aria-label="Job details"]').count() == 1
    assert_one_page_chrome(board_page)
    current = page.locator('nav[aria-label="Job details"] a[aria-current="page"]')
    expect(current).to_have_count(1)
    expect(current).to_have_attribute("href", "?tab=logs")
    board_page.assert_clean()
