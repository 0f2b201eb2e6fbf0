"""Logging out closes the session's live sockets, in Chromium (issue 10, F10.6): a tab still
open on a job page stops receiving updates at once and polls instead (which, logged out,
shows nothing new), rather than waiting to reconnect forever."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import LiveBoard, open_board_page
from tests.browser.live_node import expect_live

pytestmark = pytest.mark.browser


def test_logging_out_in_one_tab_closes_the_live_socket_of_another(
    transactional_db: None,
    browser: Browser,
    live_board: LiveBoard,
    staff_user: Any,
    tasks_settings: dict[str, Any],
) -> None:
    from tests import sample_tasks

    job = sample_tasks.echo.using(queue_name="logout").enqueue("operator-only data", n=1)
    with contextmanager(open_board_page)(browser, live_board, staff_user) as board:
        board.goto(f"/queue/tasks/logout/job/{job.id}/")
        expect_live(board)
        other = board.page.context.new_page()
        other.goto(live_board.url + "/")
        other.get_by_role("button", name="Log out").click()
        expect(other).to_have_url(f"{live_board.url}/login/", timeout=10_000)

        live = board.page.locator("#qb-live")
        expect(live).to_have_attribute("data-live", "polling")
        expect(board.page.locator("#qb-live-text")).to_contain_text("Live updates unavailable")
