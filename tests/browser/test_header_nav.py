"""The header's board-wide links (Schedules, Failures, Audit log) in Chromium: inline on a wide
screen; below 64rem behind "More", opened and walked by keyboard, closed by Esc, in view."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import BoardPage, LiveBoard, open_board_page

pytestmark = pytest.mark.browser

LINKS = ("Schedules", "Failures", "Audit log")
#: Tab presses tried before giving up on reaching the More button.
TAB_STOPS = 25


@pytest.fixture
def board(operator_phone: BoardPage) -> BoardPage:
    return operator_phone


def nav_link(board: BoardPage, name: str) -> Any:
    return board.page.locator("header.qb-header").get_by_role("link", name=name, exact=True)


def test_links_are_inline_on_a_wide_screen(board: BoardPage) -> None:
    board.page.set_viewport_size({"width": 1440, "height": 900})
    board.goto("/")
    expect(board.page.locator(".qb-more-button")).to_be_hidden()
    tops = set()
    for name in LINKS:
        expect(nav_link(board, name)).to_be_visible()
        box = nav_link(board, name).bounding_box()
        assert box is not None
        tops.add(round(box["y"]))
    assert len(tops) == 1  # one row, the header's
    board.assert_clean()


@pytest.mark.parametrize("width", [360, 768])
def test_more_opens_the_links_by_keyboard(board: BoardPage, width: int) -> None:
    page = board.page
    page.set_viewport_size({"width": width, "height": 800})
    board.goto("/")
    for name in LINKS:
        expect(nav_link(board, name)).to_be_hidden()
    page.mouse.click(1, 1)
    for _ in range(TAB_STOPS):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('qb-more-button')"):
            break
    else:
        raise AssertionError("Tab never reached the More button")
    more = page.locator(".qb-more-button")
    expect(more).to_have_accessible_name("More")
    page.keyboard.press("Enter")
    for name in LINKS:
        link = nav_link(board, name)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    board.screenshot(f"header-nav/more-open-{width}")
    page.keyboard.press("Tab")  # the menu's links follow its button
    expect(nav_link(board, LINKS[0])).to_be_focused()
    page.keyboard.press("Escape")
    expect(nav_link(board, LINKS[0])).to_be_hidden()
    more.click()
    nav_link(board, "Failures").click()
    expect(page).to_have_url(f"{board.origin}/failures/")
    board.assert_clean()


@pytest.mark.parametrize("width", [768, 1024, 2560])
def test_german_header_keeps_one_row(
    transactional_db: None, browser: Browser, live_board: LiveBoard, operator: Any, width: int
) -> None:
    """German's long words (Zeitpläne, Einstellungen, Abmelden) still fit one row at 64rem; at
    768 px Abmelden stays on the row of the brand and the environment badge (the overview, with
    its sidebar button and live status: the fullest row)."""
    options = {"color_scheme": "light", "viewport": {"width": width, "height": 800}}
    for board in open_board_page(browser, live_board, operator, locale="de-DE", **options):
        header = board.page.locator("header.qb-header")
        if width < 1024:
            board.goto("/")
            expect(header.locator(".qb-env")).to_be_visible()  # tests/browser/server_settings.py
            # The longest live status, as the page first shows it (the socket may be quicker).
            header.locator("#qb-live-text").evaluate(
                "(text) => { text.textContent = 'Verbindung zu Live-Updates wird hergestellt…' }"
            )
            brand = header.locator(".qb-brand").bounding_box()
            logout = header.get_by_role("button", name="Abmelden").bounding_box()
            assert brand is not None and logout is not None
            assert logout["y"] < brand["y"] + brand["height"]  # the same row
        else:
            board.goto("/audit/")
            expect(nav_link(board, "Audit-Log")).to_be_visible()
            box = header.bounding_box()
            assert box is not None and box["height"] <= 64
        assert board.page.evaluate("document.documentElement.scrollWidth") <= width
        board.assert_clean()
