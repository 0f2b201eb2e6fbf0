"""Schedules follow the events stream in Chromium: while a real Node worker runs an interval
schedule's armed jobs, its page's runs so far, next run and next job change without a reload,
the countdown ticks, and the queue page's schedules panel follows too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BoardPage
from tests.browser.live_node import expect_live
from tests.test_bullmq_schedules import Q, node_schedulers

pytestmark = pytest.mark.browser

SID = "pulse:<b>é</b>"


def test_a_schedule_follows_its_chain(
    board_page: BoardPage, redis_url: str, node_modules: Any, node_worker: Any
) -> None:
    node_schedulers(redis_url, [{"id": SID, "repeat": {"every": 4000}, "name": "pulse"}])
    page = board_page.page
    board_page.goto(f"/queue/bullmq/{Q}/")
    expect_live(board_page)
    panel = page.locator("#schedules-panel")
    expect(panel.locator("td.num").first).to_have_text("1")

    # The countdown is the script's ("in 3.2 s"), and it ticks.
    countdown = panel.locator("[data-qb-age-mode='due']").first
    expect(countdown).to_have_text(re.compile(r"^(in|overdue by) \d"))
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first, timeout=8000)

    board_page.mark_document()
    node_worker(Q, concurrency=1)
    expect(panel.locator("td.num").first).not_to_have_text("1", timeout=15_000)
    assert board_page.same_document()

    panel.get_by_role("link", name=SID, exact=True).click()
    expect_live(board_page)
    board_page.mark_document()
    runs = page.locator("#schedule-live dt", has_text="Runs so far").locator("xpath=../dd")
    armed = page.locator("#schedule-live dt", has_text="Next job").locator("xpath=../dd")
    before_runs, before_armed = runs.inner_text(), armed.inner_text()
    expect(runs).not_to_have_text(before_runs, timeout=15_000)
    expect(armed).not_to_have_text(before_armed)
    expect(page.locator("#schedule-runs tbody tr").first).to_be_visible()
    assert board_page.same_document()
    expect(page.locator("h1")).to_have_text(SID)  # markup in the id stays text
    board_page.assert_clean()


def test_the_overview_flags_an_overdue_schedule(board_page: BoardPage, redis_url: str) -> None:
    from tests.browser import schedule_showcase

    schedule_showcase.seed_schedules(redis_url)  # late-sync: an hour late, its job armed
    page = board_page.page
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        for width in (390, 768, 1440):
            page.set_viewport_size({"width": width, "height": 900})
            board_page.goto("/")
            row = page.locator(f'tr.qb-queue-row[data-queue="{schedule_showcase.QUEUE}"]')
            badge = row.get_by_role("link", name="Schedule overdue")
            expect(badge).to_be_visible()
            board_page.screenshot(f"overview-overdue-{width}-{scheme}")
    badge.click()
    expect(page.locator("#schedules-panel .qb-notice-error")).to_contain_text("Overdue and stuck")
    board_page.assert_clean()


def test_without_websockets_the_schedule_page_polls(
    board_page: BoardPage, redis_url: str, node_modules: Any, node_worker: Any
) -> None:
    node_schedulers(redis_url, [{"id": SID, "repeat": {"every": 3000}, "name": "pulse"}])
    page = board_page.page
    page.route("**/ws/**", lambda route: route.abort())
    page.add_init_script("window.WebSocket = undefined;")
    board_page.goto("/schedules/")
    expect(page.locator("#qb-live")).to_have_attribute("data-live", "polling")
    page.select_option("#qb-poll-interval", "2")
    board_page.mark_document()
    runs = page.locator("#schedules-board td.num").first
    expect(runs).to_have_text("1")
    node_worker(Q, concurrency=1)
    expect(runs).not_to_have_text("1", timeout=15_000)
    assert board_page.same_document()
