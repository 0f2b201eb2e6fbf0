"""The job page of a job carrying secrets (run by a real Node bullmq worker), as a staff user
without ``queues.view_unredacted`` sees it: masked values in the data, options and logs, at
390, 768 and 1440 px in light and dark, with nothing of the secret in the page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import LiveBoard, open_board_page
from tests.fixtures_bullmq import run_node

pytestmark = pytest.mark.browser

SECRET = "Br0wserSekret"
Q = "logins"


def test_the_job_page_masks_secrets_at_every_width(
    transactional_db: None,
    browser: Browser,
    live_board: LiveBoard,
    staff_user: Any,
    node_modules: Any,
    redis_url: str,
) -> None:
    ids = json.loads(run_node("redaction_jobs.mjs", redis_url, Q, SECRET))
    for theme in ("light", "dark"):
        for board in open_board_page(browser, live_board, staff_user, color_scheme=theme):
            for width in (390, 768, 1440):
                board.page.set_viewport_size({"width": width, "height": 900})
                for tab in ("data", "logs"):
                    board.goto(f"/queue/bullmq/{Q}/job/{ids['failed']}/?tab={tab}")
                    expect(board.page.locator("main")).to_contain_text("[redacted]")
                    assert SECRET not in board.page.content()
                    overflow = board.page.evaluate(
                        "document.documentElement.scrollWidth - window.innerWidth"
                    )
                    assert overflow <= 0, (tab, width, theme)
                    board.screenshot(f"redaction-{tab}-{width}-{theme}")
            board.assert_clean()
