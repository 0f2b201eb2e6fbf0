"""A job whose id holds ``/`` opens from the list in Chromium through daphne, with its live
socket connected (the id is escaped once more in its path segment), and from the queue page's
*Open job* box, by keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import bullmq_producers as producers
from tests.browser.conftest import BoardPage

pytestmark = pytest.mark.browser

Q = "odd-ids"
SLASHED = "user/42/welcome"


@pytest.fixture
def slashed_job(redis_url: str) -> None:
    """Queue "odd-ids" with one failed job whose id holds slashes."""
    r = producers.client(redis_url)
    try:
        r.flushall()
        producers.write_queue_keys(r, Q)
        producers.write_job(r, Q, SLASHED, "failed", failedReason="boom", finishedOn=1000)
    finally:
        r.close()


@pytest.mark.usefixtures("slashed_job")
def test_a_slashed_id_opens_from_the_list_and_goes_live(board_page: BoardPage) -> None:
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


@pytest.mark.usefixtures("slashed_job")
def test_the_open_job_box_by_keyboard(board_page: BoardPage) -> None:
    page = board_page.page
    board_page.goto(f"/queue/bullmq/{Q}/")
    box = page.get_by_role("searchbox", name="Job id")
    box.fill("no/such/job")
    box.press("Enter")
    expect(page.locator("#notices")).to_have_text(f"No job with id “no/such/job” in {Q}.")
    expect(page).to_have_url(re.compile(rf"/queue/bullmq/{Q}/$"))
    board_page.screenshot("queue-open-job-notice")
    box.fill(SLASHED)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/job/user%252F42%252Fwelcome/$"))
    expect(page.locator("#job-failed-reason")).to_have_text("boom")
    board_page.assert_clean()
