"""Searching a state's jobs in Chromium: the list swaps in place (htmx) to the matches and says
what it searched, live updates move its counts but never insert a job not known to match, and
*Clear search* brings the whole list back."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BoardPage
from tests.browser.live_node import QUEUE, NodeWorker, count, expect_live, wait_for

pytestmark = pytest.mark.browser


def test_search_the_failed_list(
    board_page: BoardPage, node_live_worker: NodeWorker, redis_url: str
) -> None:
    page, worker = board_page.page, node_live_worker
    tagged = worker.add('{"fail": true, "steps": 1, "stepMs": 1, "order": "needle-7"}')
    worker.add('{"fail": true, "steps": 1, "stepMs": 1, "order": "other"}')
    wait_for(lambda: count(redis_url, "failed") == 2)

    board_page.goto(f"/queue/bullmq/{QUEUE}/?state=failed")
    expect_live(board_page)
    board_page.mark_document()
    rows = page.locator("#job-list tr.qb-job-row")
    expect(rows).to_have_count(2)
    box = page.get_by_role("searchbox", name="Search")
    box.fill("NEEDLE")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"\?state=failed&q=NEEDLE$"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-job-id", tagged)
    expect(page.locator("#qb-search-scope")).to_have_text(
        re.compile(r"^\s*1 match for “NEEDLE”\s+among all 2 failed jobs\.\s*$")
    )
    assert board_page.same_document(), "the search reloaded the page instead of swapping the list"
    board_page.screenshot("queue-search")

    # A job failing now counts, but is not offered: it is not known to match.
    worker.add('{"fail": true, "steps": 1, "stepMs": 1, "order": "other"}')
    expect(page.locator("#qb-tab-count-failed")).to_have_text("3")
    page.wait_for_timeout(500)
    expect(rows).to_have_count(1)
    expect(page.locator("#qb-new-jobs")).to_be_hidden()

    page.get_by_role("link", name="Clear search").click()
    expect(page).to_have_url(re.compile(r"\?state=failed$"))
    expect(rows).to_have_count(3)
    expect(page.locator("#qb-search-scope")).to_have_count(0)
    board_page.screenshot("queue-search-cleared")
    board_page.assert_clean()
