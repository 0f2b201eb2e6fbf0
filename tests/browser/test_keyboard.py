"""Keyboard use: the skip link comes first, state tabs and job tabs are links Enter follows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import BoardPage

pytestmark = pytest.mark.browser


def focused(page: Page) -> dict[str, Any]:
    return dict(
        page.evaluate(
            """() => {
                const el = document.activeElement;
                return {
                    tag: el.tagName.toLowerCase(),
                    cls: el.className,
                    text: el.textContent.trim(),
                    href: el.getAttribute("href"),
                    inStateTabs: !!el.closest('nav.qb-tabs[aria-label="Job states"]'),
                    inJobTabs: !!el.closest('nav.qb-tabs[aria-label="Job details"]'),
                };
            }"""
        )
    )


def tab_until(page: Page, wanted: Any, limit: int = 60) -> dict[str, Any]:
    """Press Tab until the focused element satisfies ``wanted``; fail after ``limit`` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if wanted(element):
            return element
    raise AssertionError(f"Tab never reached the element; last focus: {focused(page)}")


def test_skip_link_first_and_state_tabs_by_keyboard(
    board_page: BoardPage, node_basic: dict[str, list[str]]
) -> None:
    ids = node_basic
    page = board_page.page
    board_page.goto("/queue/bullmq/node-basic/")

    page.keyboard.press("Tab")
    first = focused(page)
    assert first["cls"] == "skip-link" and first["href"] == "#main", first
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))

    # Every state tab is a link that Tab reaches, in order.
    labels = page.locator("#job-list nav.qb-tabs a.qb-tab").evaluate_all(
        "links => links.map(a => a.firstChild.textContent.trim())"
    )
    assert "Failed" in labels
    reached = [tab_until(page, lambda el: el["inStateTabs"])]
    while len(reached) < len(labels):
        page.keyboard.press("Tab")
        reached.append(focused(page))
    assert all(el["tag"] == "a" for el in reached)
    # Each state's tab is a ?state= link; the Latest tab (every state) is a page of its own.
    states = [el for el in reached if "qb-tab-latest" not in el["cls"]]
    assert len(states) >= len(reached) - 1
    assert all(el["href"].startswith("?state=") for el in states)
    assert [el["text"].rsplit(" ", 1)[0] for el in reached] == labels

    # Enter on the focused Failed tab opens the failed jobs.
    page.locator("#job-list a.qb-tab.state-failed").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?state=failed$"))
    rows = page.locator("#job-list tr.qb-job-row")
    expect(rows).to_have_count(len(ids["failed"]))

    # The job link is reachable too, and Enter opens the job.
    job = tab_until(page, lambda el: "qb-job-id" in el["cls"])
    assert job["text"] == ids["failed"][0]
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/job/{ids['failed'][0]}/$"))
    board_page.assert_clean()


def test_job_tabs_follow_with_enter(
    board_page: BoardPage, node_basic: dict[str, list[str]]
) -> None:
    ids = node_basic
    job_id = ids["failed"][0]
    page = board_page.page
    board_page.goto(f"/queue/bullmq/node-basic/job/{job_id}/")
    expect(page.locator("#job-failed-reason")).to_be_visible()

    logs = tab_until(page, lambda el: el["inJobTabs"] and el["text"].startswith("Logs"))
    assert logs["tag"] == "a" and logs["href"] == "?tab=logs"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?tab=logs$"))
    expect(page.locator("#job-logs li")).to_have_text([f"started {job_id}"])

    # The page's own tab bar (the first: see test_htmx_swaps for the nested copy today).
    job_tabs = page.locator('nav[aria-label="Job details"]').first
    job_tabs.locator('a.qb-tab[href="?tab=data"]').focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?tab=data$"))
    expect(page.locator("#job-tab-panel pre.qb-json").first).to_contain_text('"fail": true')

    job_tabs.locator('a.qb-tab[href="?tab=error"]').focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?tab=error$"))
    expect(page.locator("#job-failed-reason")).to_have_text(f"node boom {job_id}")
    board_page.assert_clean()
