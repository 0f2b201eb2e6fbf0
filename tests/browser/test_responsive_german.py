"""German, whose words are the longest of the shipped languages, holds on a phone and a wide
screen: the widest pages (the overview's tables, the job lists, a job with its failure, the
board-wide confirmation) at 390 and 1440 px with no sideways scroll, no element wider than the
viewport and labels on one line. One seeding and one browser context for all of them, and only
the layout checks (test_responsive.py runs the full matrix, in German with
``QUEUEBOARD_TEST_LOCALE=de-DE``), so this costs seconds, not minutes."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.browser import board_showcase, showcase
from tests.browser.conftest import LiveBoard, open_board_page
from tests.browser.test_responsive import (
    LAYOUT,
    PAGES,
    console_problems,
    max_header,
    operator,  # noqa: F401 - a fixture
    seed_runs_and_audit,
)

pytestmark = pytest.mark.browser
WIDEST = ("overview", "queue-failed", "job-error", "audit", "board-confirm")
WIDTHS = (360, 390, 1440)
#: The browser languages checked (``QUEUEBOARD_TEST_WIDE_LOCALES=fr-FR,es-ES`` for others).
LOCALES = os.environ.get("QUEUEBOARD_TEST_WIDE_LOCALES", "de-DE").split(",")


@pytest.mark.parametrize("locale", LOCALES)
def test_german_holds_on_the_widest_pages(
    locale: str,
    transactional_db: None,
    browser: Browser,
    live_board: LiveBoard,
    redis_url: str,
    operator: Any,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    showcase.seed_bullmq(redis_url)
    request.getfixturevalue("tasks_settings")
    ids: dict[str, Any] = {"tasks": showcase.seed_tasks(), "run": seed_runs_and_audit(operator)}
    ids["board_run"] = board_showcase.seed_board_run(operator)
    failures: list[str] = []
    options = {"locale": locale, "viewport": {"width": WIDTHS[0], "height": 900}}
    for board in open_board_page(browser, live_board, operator, **options):
        for page_type in WIDEST:
            for width in WIDTHS:
                board.page.set_viewport_size({"width": width, "height": 900})
                response = board.goto(PAGES[page_type][1](ids))
                assert response is not None and response.status == 200, page_type
                lang = board.page.evaluate("document.documentElement.lang")
                assert lang == locale.split("-")[0], lang
                board.screenshot(f"responsive/{page_type}-{width}-light-{locale}")
                found = board.page.evaluate(LAYOUT, max_header(width))
                failures += [f"{page_type} at {width} px: {problem}" for problem in found]
        failures += console_problems(board, "")
    assert failures == [], "\n".join(failures)
