"""The standalone site's login page in Chromium: by keyboard, into the overview, and out again."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect

from tests.browser.conftest import TIMEOUT_MS, LiveBoard

pytestmark = pytest.mark.browser


def test_log_in_through_the_form_and_out_again(
    transactional_db: None, browser: Browser, live_board: LiveBoard, staff_user: Any
) -> None:
    context = browser.new_context(color_scheme="dark")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []  # a CSP violation is reported as a console error

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(live_board.url + "/")
        expect(page).to_have_url(f"{live_board.url}/login/?next=/")
        expect(page).to_have_title("Log in · Queueboard")

        # Focus starts in Username; Tab goes to Password, then to the button.
        expect(page.get_by_label("Username")).to_be_focused()
        page.get_by_label("Username").fill("staff")
        page.keyboard.press("Tab")
        expect(page.get_by_label("Password")).to_be_focused()
        page.keyboard.type("wrong")
        page.keyboard.press("Enter")
        expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username")
        expect(page.get_by_label("Username")).to_be_focused()

        page.get_by_label("Password").fill("pw")
        page.get_by_label("Password").press("Tab")
        expect(page.get_by_role("button", name="Log in")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).to_have_url(live_board.url + "/")
        expect(page.get_by_role("heading", name="Queues", exact=True, level=1)).to_be_visible()

        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(re.compile(r"/login/$"))
        expect(page.get_by_role("status").first).to_have_text("You are logged out.")
        assert errors == []
    finally:
        context.close()
