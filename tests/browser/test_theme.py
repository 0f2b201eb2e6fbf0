"""Light and dark themes follow the operating system's colour scheme."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import BoardPage, LiveBoard, open_board_page

pytestmark = pytest.mark.browser


def luminance(css_color: str) -> float:
    """Relative luminance (0 black .. 1 white) of an ``rgb()``/``rgba()`` computed colour."""
    match = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, [\d.]+)?\)", css_color)
    assert match, css_color

    def channel(value: str) -> float:
        c = int(value) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in match.groups())
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.fixture(params=["light", "dark"])
def themed(
    request: pytest.FixtureRequest,
    transactional_db: None,
    browser: Browser,
    live_board: LiveBoard,
    staff_user: Any,
) -> Iterator[tuple[str, BoardPage]]:
    scheme = request.param
    for board in open_board_page(browser, live_board, staff_user, color_scheme=scheme):
        yield scheme, board


def test_body_colours_follow_colour_scheme(themed: tuple[str, BoardPage], redis_url: str) -> None:
    scheme, board = themed
    board.goto("/")
    colours = board.page.evaluate(
        """() => {
            const style = getComputedStyle(document.body);
            const panel = getComputedStyle(document.querySelector(".qb-backend"));
            return {bg: style.backgroundColor, fg: style.color, panel: panel.backgroundColor};
        }"""
    )
    bg, fg = luminance(colours["bg"]), luminance(colours["fg"])
    if scheme == "dark":
        assert bg < 0.05 and fg > 0.6, colours
        assert luminance(colours["panel"]) < 0.05, colours
    else:
        assert bg > 0.85 and fg < 0.05, colours
        assert luminance(colours["panel"]) > 0.85, colours
    board.screenshot(f"overview-{scheme}")
    board.assert_clean()


@pytest.mark.parametrize(("system", "chosen"), [("light", "dark"), ("dark", "light")])
def test_a_theme_chosen_in_settings_wins_from_the_first_paint(
    transactional_db: None,
    browser: Browser,
    live_board: LiveBoard,
    staff_user: Any,
    system: str,
    chosen: str,
) -> None:
    """The qb_prefs cookie's theme is rendered by the server (data-theme on <html>): the page
    is drawn in it whatever the system's scheme, with no script needed."""
    for board in open_board_page(
        browser, live_board, staff_user, color_scheme=system, java_script_enabled=False
    ):
        cookie = {"name": "qb_prefs", "value": f"theme={chosen}", "url": live_board.url}
        board.page.context.add_cookies([cookie])  # type: ignore[list-item]
        board.goto("/")
        assert board.page.get_attribute("html", "data-theme") == chosen
        bg = luminance(board.page.evaluate("getComputedStyle(document.body).backgroundColor"))
        assert (bg < 0.05) if chosen == "dark" else (bg > 0.85), bg
