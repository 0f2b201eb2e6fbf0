"""Actions by clicking, in Chromium: retry one job, retry all after confirming, promote, clean,
pause and resume, each with its visible result; without permission there are no buttons and the
API answers 403."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from playwright.sync_api import Browser, expect

from tests import bullmq_producers as producers
from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant
from tests.browser.conftest import BoardPage, LiveBoard, open_board_page
from tests.fixtures_bullmq import write_finished_jobs

pytestmark = pytest.mark.browser

Q = "acts"


@pytest.fixture
def acts(redis_url: str) -> None:
    """Queue "acts": failed jobs 1-2, completed 3-4 (written as a worker leaves them), a
    delayed job and a waiting one."""
    write_finished_jobs(redis_url, Q, 2, "failed")
    client = redis.Redis.from_url(redis_url)
    try:
        now = int(time.time() * 1000)
        for job_id in ("3", "4"):
            producers.write_job(
                client, Q, job_id, "completed", returnvalue="1", processedOn=now - 7_200_000,
                finishedOn=now - 7_200_000,
            )  # fmt: skip
        producers.write_job(client, Q, "5", "delayed", delay=3_600_000, timestamp=now)
        producers.write_job(client, Q, "6", "wait")
    finally:
        client.close()


@pytest.fixture
def operator_page(
    transactional_db: None, browser: Browser, live_board: LiveBoard, staff_user: Any
) -> Iterator[BoardPage]:
    operator = grant(staff_user, *ALL_ACTION_PERMISSIONS)
    yield from open_board_page(browser, live_board, operator, color_scheme="light")


def state_of(board: BoardPage) -> Any:
    return board.page.locator("#job-header .qb-state").first


def test_retry_one_failed_job(operator_page: BoardPage, acts: None) -> None:
    page = operator_page.page
    operator_page.goto(f"/queue/bullmq/{Q}/job/1/")
    expect(state_of(operator_page)).to_have_text("Failed")
    page.get_by_role("button", name="Retry", exact=True).click()
    expect(page.locator("#notices")).to_contain_text("Job 1 retried.")
    expect(state_of(operator_page)).to_have_text("Waiting")
    expect(page.get_by_role("button", name="Retry", exact=True)).to_have_count(0)
    operator_page.assert_clean()


def confirm_queue_action(board: BoardPage, state: str, action: str, confirmation: str) -> None:
    """From the ``state`` list: the action's link, its confirmation, a finished run of 2 jobs,
    and back to the queue with that state's count at 0."""
    page = board.page
    board.goto(f"/queue/bullmq/{Q}/?state={state}")
    page.get_by_role("link", name=action, exact=True).click()
    expect(page.locator("#confirm-count")).to_contain_text(confirmation)
    page.get_by_role("button", name=action, exact=True).click()
    expect(page.locator("#run-state")).to_have_attribute("data-status", "finished")
    expect(page.locator("#run-done")).to_have_text("2")
    page.get_by_role("link", name=f"Back to {Q}").click()
    expect(page.locator(f"#job-list nav.qb-tabs a.state-{state} .qb-count")).to_have_text("0")


def test_retry_all_after_confirming(operator_page: BoardPage, acts: None) -> None:
    confirm_queue_action(operator_page, "failed", "Retry all", "This will touch 2 jobs")
    operator_page.assert_clean()


def test_promote_a_delayed_job(operator_page: BoardPage, acts: None) -> None:
    page = operator_page.page
    operator_page.goto(f"/queue/bullmq/{Q}/job/5/")
    expect(state_of(operator_page)).to_have_text("Delayed")
    page.get_by_role("button", name="Promote", exact=True).click()
    expect(page.locator("#notices")).to_contain_text("Job 5 promoted.")
    expect(state_of(operator_page)).to_have_text("Waiting")
    operator_page.assert_clean()


def test_clean_completed_jobs(operator_page: BoardPage, acts: None) -> None:
    confirm_queue_action(
        operator_page, "completed", "Clean", "This will touch 2 jobs older than 1h"
    )
    operator_page.assert_clean()


def test_pause_and_resume(operator_page: BoardPage, acts: None) -> None:
    page = operator_page.page
    operator_page.goto(f"/queue/bullmq/{Q}/")
    page.get_by_role("button", name="Pause", exact=True).click()
    expect(page.locator("#notices")).to_contain_text(f"Queue {Q} paused.")
    expect(page.locator(".qb-queue-head .qb-badge-paused")).to_have_text("Paused")
    page.get_by_role("button", name="Resume", exact=True).click()
    expect(page.locator("#notices")).to_contain_text(f"Queue {Q} resumed.")
    expect(page.locator(".qb-queue-head .qb-badge-paused")).to_have_count(0)
    operator_page.assert_clean()


def test_without_permission_no_buttons_and_403(board_page: BoardPage, acts: None) -> None:
    page = board_page.page
    board_page.goto(f"/queue/bullmq/{Q}/?state=failed")
    for name in ("Retry all", "Promote all", "Clean", "Empty", "Pause", "Retry selected"):
        expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    board_page.goto(f"/queue/bullmq/{Q}/job/1/")
    for name in ("Retry", "Promote", "Remove"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    response = page.request.post(
        f"{board_page.origin}/api/queues/bullmq/{Q}/jobs/1/retry",
        headers={"X-CSRFToken": token or "", "Referer": board_page.origin + "/"},
    )
    assert response.status == 403
    assert "queues.retry_jobs" in response.json()["error"]["message"]
    expect(state_of(board_page)).to_have_text("Failed")
    board_page.assert_clean()


def test_select_all_on_page_and_retry_selected(operator_page: BoardPage, acts: None) -> None:
    page = operator_page.page
    operator_page.goto(f"/queue/bullmq/{Q}/?state=failed")
    page.get_by_role("checkbox", name="Select all jobs on this page").check()
    for job_id in ("1", "2"):
        expect(page.get_by_role("checkbox", name=f"Select job {job_id}")).to_be_checked()
    page.get_by_role("button", name="Retry selected", exact=True).click()
    expect(page.locator("#notices")).to_contain_text("2 jobs retried.")
    expect(page.locator("#job-list nav.qb-tabs a.state-failed .qb-count")).to_have_text("0")
    operator_page.assert_clean()
