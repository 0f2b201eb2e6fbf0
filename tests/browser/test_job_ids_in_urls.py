"""A job whose id holds ``/`` opens from the list in Chromium through daphne, with its live
socket connected (the id is escaped once more in its path segment)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import bullmq_producers as producers
from tests.browser.conftest import BoardPage

pytestmark = pytest.mark.browser

Q = "odd-ids"
SLASHED = "user/42/welcome"


def test_a_slashed_id_opens_from_the_list_and_goes_live(
    board_page: BoardPage, redis_url: str
) -> None:
    r = producers.client(redis_url)
    try:
        r.flushall()
        producers.write_queue_keys(r, Q)
        producers.write_job(r, Q, SLASHED, "failed", failedReason="boom", finishedOn=1000)
    finally:
        r.close()
    page = board_page.page
    board_page.goto(f"/queue/bullmq/{Q}/?state=failed")
    link = page.locator("#job-list tr.qb-job-row").first.get_by_role("link", name=SLASHED)
    link.click()
    expect(page).to_have_url(re.compile(r"/job/user%252F42%252Fwelcome/$"))
    expect(page.locator("#job-failed-reason")).to_have_text("boom")
    expect(page.locator("#qb-live")).to_have_attribute("data-live", "live")
    assert any(url.endswith("/ws/queue/bullmq/odd-ids/job/user%252F42%252Fwelcome/")
               for url in board_page.websockets), board_page.websockets  # fmt: skip
    board_page.assert_clean()
