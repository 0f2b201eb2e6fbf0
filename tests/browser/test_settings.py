"""The header's Settings panel in Chromium: reached by keyboard, closed by Esc, held at 390 px,
and what it sets (theme, confirmations, jobs per page) holds across reloads."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser

from tests.browser import showcase
from tests.browser.conftest import BoardPage, LiveBoard, open_board_page
from tests.browser.test_theme import luminance

pytestmark = pytest.mark.browser

#: Tab presses tried before giving up on reaching the Settings button.
TAB_STOPS = 25


@pytest.fixture
def phone(operator_phone: BoardPage) -> BoardPage:
    return operator_phone


def body_luminance(board: BoardPage) -> float:
    return luminance(board.page.evaluate("getComputedStyle(document.body).backgroundColor"))


def tab_to(board: BoardPage, element_id: str) -> None:
    page = board.page
    page.mouse.click(1, 1)
    for _ in range(TAB_STOPS):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_choose_dark_by_keyboard_and_it_stays(phone: BoardPage, redis_url: str) -> None:
    board, page = phone, phone.page
    board.goto("/")
    assert body_luminance(board) > 0.85  # the system's light scheme
    tab_to(board, "qb-settings-open")
    page.keyboard.press("Enter")
    dialog = page.locator("#qb-settings")
    assert dialog.is_visible()
    box = dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    board.screenshot("settings/panel-open-390-light")
    # Into the panel by keyboard: focus starts inside it; the theme radios move by arrows.
    assert page.evaluate("document.getElementById('qb-settings').contains(document.activeElement)")
    page.locator('input[name="theme"][value="system"]').focus()
    page.keyboard.press("ArrowDown")  # light
    page.keyboard.press("ArrowDown")  # dark
    assert page.locator('input[name="theme"][value="dark"]').is_checked()
    assert page.get_attribute("html", "data-theme") == "dark"
    assert body_luminance(board) < 0.05
    board.screenshot("settings/panel-open-390-dark")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert page.evaluate("document.activeElement.id") == "qb-settings-open"

    cookie = next(c for c in page.context.cookies() if c["name"] == "qb_prefs")
    assert cookie["path"] == "/" and cookie["sameSite"] == "Lax" and not cookie["httpOnly"]
    assert "theme=dark" in cookie["value"]

    board.goto("/")  # the server renders it dark from the first paint
    assert page.get_attribute("html", "data-theme") == "dark"
    assert page.get_attribute('meta[name="color-scheme"]', "content") == "dark"
    assert body_luminance(board) < 0.05
    board.assert_clean()


def test_light_wins_over_a_dark_system(
    transactional_db: None, browser: Browser, live_board: LiveBoard, operator: Any
) -> None:
    for board in open_board_page(browser, live_board, operator, color_scheme="dark"):
        board.goto("/")
        assert body_luminance(board) < 0.05
        board.page.click("#qb-settings-open")
        board.page.locator("label", has_text="Light").click()
        assert body_luminance(board) > 0.85
        board.goto("/")
        assert body_luminance(board) > 0.85
        board.page.click("#qb-settings-open")
        board.page.locator("label", has_text="System").click()
        assert body_luminance(board) < 0.05
        board.assert_clean()


def job_page(job_id: str) -> str:
    return f"/queue/bullmq/{showcase.QUEUE}/job/{quote(job_id, safe='')}/"


def test_confirmations_off_removes_without_a_prompt(phone: BoardPage, redis_url: str) -> None:
    showcase.seed_bullmq(redis_url)
    board, page = phone, phone.page
    board.goto(job_page(showcase.FAILED_ID))
    page.get_by_role("button", name="Remove").click()
    assert len(board.dialogs) == 1 and "Remove job" in board.dialogs[0]  # asked, and dismissed
    board.goto(job_page(showcase.FAILED_ID))  # still there

    page.click("#qb-settings-open")
    page.locator('input[name="confirm"]').uncheck()
    page.keyboard.press("Escape")
    board.goto(job_page(showcase.FAILED_ID))
    assert page.get_attribute("html", "data-confirm") == "off"
    page.get_by_role("button", name="Remove").click()
    page.wait_for_load_state("load")
    assert len(board.dialogs) == 1  # no second prompt
    response = board.goto(job_page(showcase.FAILED_ID))
    assert response is not None and response.status == 404  # removed


def test_jobs_per_page_and_the_job_tab_from_the_panel(phone: BoardPage, redis_url: str) -> None:
    showcase.seed_bullmq(redis_url)
    board, page = phone, phone.page
    board.goto(f"/queue/bullmq/{showcase.QUEUE}/?state=waiting")
    page.click("#qb-settings-open")
    page.select_option('select[name="per_page"]', "10")
    page.select_option('select[name="tab"]', "timeline")
    with page.expect_navigation():  # the list on show is read again at the new size
        page.keyboard.press("Escape")
    assert page.get_attribute("#job-list", "data-per-page") == "10"
    assert "state=waiting" in page.url
    board.goto(f"/queue/bullmq/{showcase.QUEUE}/?state=waiting")
    assert page.get_attribute("#job-list", "data-per-page") == "10"
    board.goto(job_page(showcase.FAILED_ID))
    assert page.locator('#job-tabs [aria-current="page"]').inner_text().startswith("Timeline")
    board.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_open_panel_holds_at_every_width(
    transactional_db: None,
    browser: Browser,
    live_board: LiveBoard,
    operator: Any,
    scheme: str,
) -> None:
    """Open on the audit log at 390, 768 and 1440 px: inside the viewport, no sideways scroll,
    readable (WCAG AA) and every control of it reached by Tab; a screenshot of each."""
    from tests.browser.test_responsive import CONTRAST, LAYOUT, max_header

    problems: list[str] = []
    for board in open_board_page(browser, live_board, operator, color_scheme=scheme):
        page = board.page
        for width in (390, 768, 1440):
            page.set_viewport_size({"width": width, "height": 900})
            board.goto("/audit/")
            page.click("#qb-settings-open")
            box = page.locator("#qb-settings").bounding_box()
            assert box is not None
            if box["x"] < 0 or box["x"] + box["width"] > width or box["y"] < 0:
                problems.append(f"{width} px: the panel is outside the viewport: {box}")
            board.screenshot(f"settings/panel-{width}-{scheme}")
            found = page.evaluate(LAYOUT, max_header(width)) + page.evaluate(CONTRAST)
            problems += [f"{width} px: {problem}" for problem in found]
            reached = set()
            for _ in range(8):  # Tab stays in the modal panel (or the browser's own UI)
                page.keyboard.press("Tab")
                reached.add(
                    page.evaluate("document.activeElement.name || document.activeElement.value")
                )
                inside = (
                    "document.activeElement === document.body || "
                    "document.getElementById('qb-settings').contains(document.activeElement)"
                )
                if not page.evaluate(inside):
                    problems.append(f"{width} px: Tab left the open panel")
            if not {"theme", "per_page", "tab", "poll", "confirm"} <= reached:
                problems.append(f"{width} px: Tab reached only {sorted(reached)}")
            page.keyboard.press("Escape")
        board.assert_clean()
    assert problems == [], "\n".join(problems)


def test_the_refresh_interval_reaches_the_live_status(phone: BoardPage, redis_url: str) -> None:
    """live.js polls at the chosen interval when WebSockets are unavailable: its own menu shows
    the choice (from data-poll-seconds on <html>, rendered from the cookie)."""
    board, page = phone, phone.page
    board.goto("/")
    assert page.locator("#qb-poll-interval").input_value() == "5"
    page.click("#qb-settings-open")
    page.select_option('#qb-settings select[name="poll"]', "15")
    assert page.locator("#qb-poll-interval").input_value() == "15"  # at once
    page.keyboard.press("Escape")
    page.evaluate("window.localStorage.clear()")  # only the cookie is left
    board.goto("/")
    assert page.get_attribute("html", "data-poll-seconds") == "15"
    assert page.locator("#qb-poll-interval").input_value() == "15"
    board.assert_clean()
