"""The queue page's Workers panel in Chromium: closed at first, opened by keyboard, listing a
worker's connection (named as Node bullmq names it) under the board's CSP."""

from __future__ import annotations

import base64

import pytest
import redis
from playwright.sync_api import expect

from tests import bullmq_producers as producers
from tests.browser.conftest import BoardPage

pytestmark = pytest.mark.browser


def test_the_workers_panel(board_page: BoardPage, redis_url: str) -> None:
    worker = redis.Redis.from_url(redis_url)
    try:
        producers.write_queue_keys(worker, "mail")
        producers.write_job(worker, "mail", "1", "wait")
        worker.client_setname(f"bull:{base64.b64encode(b'mail').decode()}:w:mailer-1")
        page = board_page.page
        board_page.goto("/queue/bullmq/mail/")
        panel = page.locator("details#workers")
        expect(panel.locator("summary")).to_have_text("Workers 1")
        expect(panel.locator("table")).to_be_hidden()
        panel.locator("summary").focus()
        page.keyboard.press("Enter")
        expect(panel.locator("table tbody tr")).to_have_count(1)
        expect(panel.locator("table tbody tr td").first).to_have_text("mailer-1")
        expect(panel.locator("table tbody tr td").nth(1)).to_have_text("127.0.0.1")
        board_page.screenshot("queue-workers")
        board_page.assert_clean()
    finally:
        worker.close()
