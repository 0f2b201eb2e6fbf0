"""An RQ walk in Chromium: open an RQ queue's failed jobs, open one, retry it by clicking, and
see it done once a real ``rq worker`` has run it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests import rq_action_tasks as tasks
from tests.actions_helpers import grant
from tests.browser.conftest import LiveBoard, open_board_page
from tests.rq_action_helpers import burst, producer, runs, status

pytestmark = pytest.mark.browser

Q = "walk"


def test_retry_a_failed_rq_job_by_clicking(
    transactional_db: None,
    browser: Browser,
    rq_board: LiveBoard,
    redis_url: str,
    staff_user: Any,
) -> None:
    producer(redis_url, Q).enqueue(tasks.fail_once, "walked", job_id="walked")
    burst(redis_url, Q)
    assert status(redis_url, "walked") == "failed"
    user = grant(staff_user, "retry_jobs")
    for board in open_board_page(browser, rq_board, user, viewport={"width": 1440, "height": 900}):
        board.goto(f"/queue/rq/{Q}/?state=failed")
        board.page.locator("a.qb-job-id", has_text="walked").click()
        expect(board.page.get_by_role("button", name="Retry")).to_be_visible()
        board.page.get_by_role("button", name="Retry").click()
        expect(board.page.get_by_text("Job walked retried.")).to_be_visible()
        expect(board.page.locator("#job-state")).to_have_text("Waiting")
        assert status(redis_url, "walked") == "queued"
        burst(redis_url, Q)
        assert runs(redis_url, "walked") == 2
        board.page.reload()
        expect(board.page.locator("#job-state")).to_have_text("Completed")
        expect(board.page.get_by_role("button", name="Retry")).to_have_count(0)
        board.assert_clean()
