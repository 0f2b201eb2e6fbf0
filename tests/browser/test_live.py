"""Live updates in Chromium: a real Node bullmq worker changes counts, a progress bar and the
failed list on screen, without a reload."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BoardPage
from tests.browser.live_node import (
    QUEUE,
    NodeWorker,
    assert_failing_job_arrives_on_top,
    count,
    expect_live,
    wait_for,
)
from tests.fixtures_bullmq import run_node

pytestmark = pytest.mark.browser


def test_counts_progress_and_failed_list_change_without_reload(
    board_page: BoardPage, node_live_worker: NodeWorker, redis_url: str
) -> None:
    page, worker = board_page.page, node_live_worker
    worker.add('{"fail": true, "steps": 1, "stepMs": 1}')
    wait_for(lambda: count(redis_url, "failed") == 1)

    # The overview: the queue's completed count moves when the worker finishes a job.
    board_page.goto("/")
    expect_live(board_page)
    board_page.mark_document()
    row = page.locator(f'#backend-bullmq tr.qb-queue-row[data-queue="{QUEUE}"]')
    completed = row.locator("td.state-completed a")
    expect(completed).to_have_text("0")
    worker.add('{"steps": 2, "stepMs": 50}')
    expect(completed).to_have_text("1")
    expect(row.locator("td.state-failed a")).to_have_text("1")

    # The active list: a running job's progress bar fills, then its row leaves the list.
    slow = worker.add('{"steps": 10, "stepMs": 400}')
    wait_for(lambda: count(redis_url, "active") == 1)
    board_page.goto(f"/queue/bullmq/{QUEUE}/?state=active")
    expect_live(board_page)
    board_page.mark_document()
    job_row = page.locator(f'#job-list tr.qb-job-row[data-job-id="{slow}"]')
    expect(job_row).to_have_count(1)
    bar = job_row.locator("progress.qb-progress")
    first = int(bar.get_attribute("value") or "0") if bar.count() else 0
    page.wait_for_function(
        "([id, first]) => { const bar = document.querySelector("
        '`tr[data-job-id="${id}"] progress`); return bar && Number(bar.value) >= first + 20; }',
        arg=[slow, first],
    )
    expect(job_row).to_have_count(0, timeout=10_000)
    expect(page.locator("#qb-tab-count-completed")).to_have_text("2")
    expect(page.locator("#qb-tab-count-active")).to_have_text("0")
    assert board_page.same_document()

    # The failed list: a job failing now appears at the top, its tab count goes up.
    page.locator("#job-list nav.qb-tabs a.qb-tab", has_text="Failed").first.click()
    expect(page).to_have_url(f"{board_page.origin}/queue/bullmq/{QUEUE}/?state=failed")
    expect(page.locator("#job-list tr.qb-job-row")).to_have_count(1)
    board_page.mark_document()
    assert_failing_job_arrives_on_top(board_page, worker)
    board_page.assert_clean()


def test_job_page_follows_state_progress_and_logs(
    board_page: BoardPage, node_live_worker: NodeWorker, redis_url: str
) -> None:
    page, worker = board_page.page, node_live_worker
    job_id = worker.add('{"steps": 5, "stepMs": 600}')
    wait_for(lambda: count(redis_url, "active") == 1)
    board_page.goto(f"/queue/bullmq/{QUEUE}/job/{job_id}/?tab=logs")
    expect_live(board_page)
    board_page.mark_document()
    expect(page.locator("#job-state")).to_have_text("Active")
    expect(page.locator("#job-logs li")).to_have_count(5, timeout=15_000)
    expect(page.locator("#job-progress progress")).to_have_attribute("value", "100")
    expect(page.locator("#job-state")).to_have_text("Completed")
    assert board_page.same_document()
    board_page.assert_clean()


def test_new_jobs_notice_when_scrolled_away(
    board_page: BoardPage, node_live_worker: NodeWorker, redis_url: str
) -> None:
    """Below the top of the list rows do not move: a notice counts the new jobs instead."""
    page, worker = board_page.page, node_live_worker
    for _ in range(2):
        worker.add('{"fail": true, "steps": 1, "stepMs": 1}')
    wait_for(lambda: count(redis_url, "failed") == 2)
    page.set_viewport_size({"width": 900, "height": 300})
    board_page.goto(f"/queue/bullmq/{QUEUE}/?state=failed")
    expect_live(board_page)
    # Wait until the reader follows the stream: a job completing shows in the tab counts (live,
    # or at the latest by the reader's periodic resync). An event written before the reader
    # follows is reported by its resync as "The list has changed" rather than counted.
    worker.add('{"steps": 1, "stepMs": 1}')
    expect(page.locator("#qb-tab-count-completed")).to_have_text("1", timeout=15_000)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("document.getElementById('job-list').getBoundingClientRect().top < 0")
    ids = "[...document.querySelectorAll('#job-list tr.qb-job-row')].map(r => r.dataset.jobId)"
    before = page.evaluate(ids)
    worker.add('{"fail": true, "steps": 1, "stepMs": 1}')
    notice = page.locator("#qb-new-jobs-button")
    expect(notice).to_have_text("1 new job · show")
    assert page.evaluate(ids) == before  # (their ages tick: compare the rows, not their text)
    notice.click()
    expect(page.locator("#job-list tr.qb-job-row")).to_have_count(3)
    expect(page.locator("#qb-new-jobs")).to_be_hidden()
    board_page.assert_clean()


def test_polling_when_websockets_are_unavailable(
    board_page: BoardPage, node_live_worker: NodeWorker, redis_url: str
) -> None:
    """A proxy that refuses WebSockets: the page says so and refreshes at the chosen pace."""
    page, worker = board_page.page, node_live_worker
    page.route("**/ws/**", lambda route: route.abort())
    page.add_init_script("window.WebSocket = undefined;")
    board_page.goto("/")
    live = page.locator("#qb-live")
    expect(live).to_have_attribute("data-live", "polling")
    expect(page.locator("#qb-live-text")).to_have_text(
        "Live updates unavailable: refreshing every 5 s"
    )
    page.select_option("#qb-poll-interval", "2")
    expect(page.locator("#qb-live-text")).to_have_text(
        "Live updates unavailable: refreshing every 2 s"
    )
    assert page.evaluate("localStorage.getItem('queueboard.pollSeconds')") == "2"
    row = page.locator(f'#backend-bullmq tr.qb-queue-row[data-queue="{QUEUE}"]')
    board_page.mark_document()
    worker.add('{"steps": 1, "stepMs": 1}')
    expect(row.locator("td.state-completed a")).to_have_text("1", timeout=8000)
    assert board_page.same_document()
    page.reload()
    expect(page.locator("#qb-poll-interval")).to_have_value("2")
    page.select_option("#qb-poll-interval", "0")
    expect(page.locator("#qb-live-text")).to_have_text(
        "Live updates unavailable: automatic refresh off"
    )


def test_job_page_follows_a_retried_job_in_every_field(
    board_page: BoardPage, node_live_worker: NodeWorker, redis_url: str
) -> None:
    """After a retried job runs again, the fields no fragment carries follow it too: the log
    count in the tabs, the return value in the open tab, the finish time in the header."""
    page, worker = board_page.page, node_live_worker
    job_id = worker.add('{"failRuns": 1, "steps": 1, "stepMs": 1}')
    wait_for(lambda: count(redis_url, "failed") == 1)
    board_page.goto(f"/queue/bullmq/{QUEUE}/job/{job_id}/?tab=data")
    expect_live(board_page)
    board_page.mark_document()
    expect(page.locator("#job-state")).to_have_text("Failed")
    logs_count = page.locator("#job-tabs a.qb-tab", has_text="Logs").locator(".qb-count")
    expect(logs_count).to_have_text("1")
    panel = page.locator("#job-tab-panel")
    expect(panel).not_to_contain_text(f'"{job_id}"')
    header = page.locator("#job-header")
    expect(header).not_to_contain_text("Finished")
    attempts = page.locator("#job-attempts").inner_text()

    worker.retry(job_id)
    expect(page.locator("#job-state")).to_have_text("Completed")
    expect(logs_count).to_have_text("2")
    expect(panel).to_contain_text(f'"{job_id}"')
    expect(header).to_contain_text("Finished")
    expect(page.locator("#job-attempts")).not_to_have_text(attempts)
    assert board_page.same_document()
    board_page.assert_clean()


def test_job_page_follows_a_delayed_job_into_its_run(
    board_page: BoardPage, node_live_worker: NodeWorker, redis_url: str
) -> None:
    """A delayed job's page: once the job runs, its worker and start time appear in the
    header (fields the page did not have), its progress and state follow."""
    page = board_page.page
    arguments = [QUEUE, "1", '{"steps": 2, "stepMs": 300}', '{"delay": 2500}']
    (job_id,) = json.loads(run_node("add_jobs.mjs", redis_url, *arguments))
    board_page.goto(f"/queue/bullmq/{QUEUE}/job/{job_id}/")
    expect_live(board_page)
    board_page.mark_document()
    header = page.locator("#job-header")
    expect(page.locator("#job-state")).to_have_text("Delayed")
    expect(header).not_to_contain_text("node-live-worker")
    expect(header).not_to_contain_text("Started")
    expect(page.locator("#job-state")).to_have_text("Completed", timeout=15_000)
    expect(header).to_contain_text("node-live-worker")
    expect(header).to_contain_text("Started")
    expect(page.locator("#job-progress progress")).to_have_attribute("value", "100")
    assert board_page.same_document()
    board_page.assert_clean()
