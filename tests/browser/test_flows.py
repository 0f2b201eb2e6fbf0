"""The main walk in a real browser: overview, queue, Failed tab (htmx), job, Error tab."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from queues.states import JobState
from tests.browser.conftest import BoardPage
from tests.fixtures_tasks import seed_contract_queue

pytestmark = pytest.mark.browser


def walk_to_failed_job(
    board: BoardPage, alias: str, queue: str, failed_ids: list[str], shots: str | None = None
) -> None:
    """Overview -> queue -> Failed tab -> first failed job, asserting each step."""
    page = board.page
    board.goto("/")
    expect(page.locator("h1")).to_have_text("Queues")
    row = page.locator(f'#backend-{alias} tr.qb-queue-row[data-queue="{queue}"]')
    expect(row.locator("td.state-failed a")).to_have_text(str(len(failed_ids)))
    if shots:
        board.screenshot(f"{shots}-overview")

    row.get_by_role("link", name=queue, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/queue/{alias}/{queue}/$"))
    expect(page.locator("h1")).to_have_text(queue)
    if shots:
        board.screenshot(f"{shots}-queue")

    # The Failed tab swaps the job list in place (htmx, no page load) and pushes its URL.
    board.mark_document()
    board.open_state_tab("Failed")
    expect(page).to_have_url(re.compile(rf"/queue/{alias}/{queue}/\?state=failed$"))
    expect(page.locator("#job-list a.qb-tab.state-failed").last).to_have_attribute(
        "aria-current", "page"
    )
    rows = page.locator("#job-list tr.qb-job-row")
    expect(rows).to_have_count(len(failed_ids))
    expect(rows).to_have_attribute("data-job-id", failed_ids[0]) if len(failed_ids) == 1 else None
    assert [rows.nth(i).get_attribute("data-job-id") for i in range(rows.count())] == failed_ids
    assert board.same_document(), "the Failed tab reloaded the page instead of swapping the list"
    if shots:
        board.screenshot(f"{shots}-queue-failed")

    rows.first.get_by_role("link", name=failed_ids[0], exact=True).click()
    expect(page).to_have_url(re.compile(rf"/queue/{alias}/{queue}/job/{failed_ids[0]}/$"))
    expect(page.locator("#job-state")).to_have_text("Failed")
    error_tab = page.locator("nav.qb-tabs a.qb-tab", has_text="Error")
    expect(error_tab).to_have_attribute("aria-current", "page")
    expect(error_tab).to_have_text("Error & stack trace")


def test_bullmq_failed_job_walk(board_page: BoardPage, node_basic: dict[str, list[str]]) -> None:
    ids = node_basic
    failed_id = ids["failed"][0]
    page = board_page.page

    walk_to_failed_job(board_page, "bullmq", "node-basic", ids["failed"], shots="bullmq")
    expect(page.locator("#job-title .qb-job-name")).to_have_text("work")
    expect(page.locator("#job-failed-reason")).to_have_text(f"node boom {failed_id}")
    trace = page.locator("pre.qb-stacktrace")
    expect(trace).to_have_count(1)
    expect(trace).to_contain_text(f"TypeError: node boom {failed_id}")
    expect(trace).to_contain_text(re.compile(r"\n\s+at .*produce\.mjs"))
    board_page.screenshot("bullmq-job-error")
    board_page.assert_clean()


def test_tasks_failed_job_walk(
    board_page: BoardPage, tasks_settings: dict[str, Any], redis_url: str
) -> None:
    ids = seed_contract_queue("contract")
    failed_ids = ids[JobState.FAILED]
    page = board_page.page

    walk_to_failed_job(board_page, "tasks", "contract", failed_ids, shots="tasks")
    expect(page.locator("#job-title .qb-job-name")).to_have_text("fail")
    expect(page.locator("#job-failed-reason")).to_contain_text("ContractError: boom")
    trace = page.locator("pre.qb-stacktrace")
    expect(trace).to_have_count(1)
    expect(trace).to_contain_text(re.compile(r"^Traceback \(most recent call last\)"))
    expect(trace).to_contain_text("raise ContractError(message)")
    board_page.screenshot("tasks-job-error")
    board_page.assert_clean()
