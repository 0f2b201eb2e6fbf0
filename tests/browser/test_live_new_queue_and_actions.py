"""Live updates in Chromium: a queue created after the overview loaded gets its row in name
order, and a job page's buttons and attempts follow a retry done elsewhere; the pushed Retry
form works (it takes the page's CSRF token)."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis
from playwright.sync_api import expect

from tests import bullmq_producers as producers
from tests.browser.conftest import BoardPage
from tests.browser.live_node import QUEUE, NodeWorker, count, expect_live, wait_for

pytestmark = pytest.mark.browser


def add_waiting(url: str, queue: str, job_id: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        producers.write_queue_keys(client, queue)
        producers.write_job(client, queue, job_id, "wait")
    finally:
        client.close()


def test_a_queue_created_later_appears_in_name_order(board_page: BoardPage, redis_url: str) -> None:
    page = board_page.page
    tag = uuid.uuid4().hex[:8]  # the board's reader outlives a test: names it has not seen
    first, middle, last = (f"late-{tag}-{letter}" for letter in "bdf")
    add_waiting(redis_url, first, "1")
    add_waiting(redis_url, last, "1")
    board_page.goto("/")
    expect_live(board_page)
    board_page.mark_document()
    rows = page.locator("#backend-bullmq tr.qb-queue-row")
    expect(rows.filter(has_text=last)).to_have_count(1)

    add_waiting(redis_url, middle, "1")
    new_row = page.locator(f'#backend-bullmq tr.qb-queue-row[data-queue="{middle}"]')
    expect(new_row).to_have_count(1, timeout=15_000)
    names = [row.get_attribute("data-queue") or "" for row in rows.all()]
    assert names == sorted(names)
    assert names.index(first) < names.index(middle) < names.index(last)
    expect(new_row.locator("td.state-waiting a")).to_have_text("1")

    # The new row follows its queue like the others.
    add_waiting(redis_url, middle, "2")
    expect(new_row.locator("td.state-waiting a")).to_have_text("2", timeout=15_000)
    new_row.locator("th a").click()
    expect(page).to_have_url(f"{board_page.origin}/queue/bullmq/{middle}/")
    board_page.assert_clean()


async def retry_elsewhere(url: str, job_id: str) -> None:
    from bullmq import Job, Queue

    queue = Queue(QUEUE, {"connection": url, "prefix": "bull"})
    try:
        job = await Job.fromId(queue, job_id)
        await job.retry("failed")
    finally:
        await queue.close()


def test_job_page_buttons_and_attempts_follow_a_retry_elsewhere(
    board_page: BoardPage, node_live_worker: NodeWorker, redis_url: str, staff_user: Any
) -> None:
    from django.contrib.auth.models import Permission

    staff_user.user_permissions.add(  # type: ignore[attr-defined]
        *Permission.objects.filter(
            content_type__app_label="queues", codename__in=["retry_jobs", "remove_jobs"]
        )
    )
    page, worker = board_page.page, node_live_worker
    job_id = worker.add('{"fail": true, "steps": 3, "stepMs": 500}')
    wait_for(lambda: count(redis_url, "failed") == 1)
    board_page.goto(f"/queue/bullmq/{QUEUE}/job/{job_id}/")
    expect_live(board_page)
    board_page.mark_document()
    retry = page.locator("#job-actions button", has_text="Retry")
    remove = page.locator("#job-actions button", has_text="Remove")
    attempts = page.locator("#job-attempts")
    expect(retry).to_have_count(1)
    tried_once = attempts.inner_text()

    with ThreadPoolExecutor(1) as pool:  # Playwright's own loop runs in this thread
        pool.submit(asyncio.run, retry_elsewhere(redis_url, job_id)).result()
    expect(page.locator("#job-state")).to_have_text("Active", timeout=15_000)
    expect(retry).to_have_count(0)
    expect(remove).to_have_count(0)  # an active job cannot be removed
    expect(page.locator("#job-state")).to_have_text("Failed", timeout=15_000)
    expect(retry).to_have_count(1)
    expect(remove).to_have_count(1)
    expect(attempts).not_to_have_text(tried_once)
    tried_twice = attempts.inner_text()
    assert board_page.same_document()

    # The pushed form posts with the page's CSRF token: the job runs (and fails) once more.
    retry.click()
    expect(page.locator("#job-state")).to_have_text("Failed", timeout=15_000)
    expect(attempts).not_to_have_text(tried_twice, timeout=15_000)
    board_page.assert_clean()
