"""The board in the browser's language: Chromium's locale picks the pages' language (the
standalone board's LocaleMiddleware), the JavaScript catalog loads under the board's CSP before
the board's scripts, and what the scripts write is translated too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import showcase
from tests.browser.conftest import BoardPage, LiveBoard, open_board_page
from tests.browser.test_responsive import job_path

pytestmark = pytest.mark.browser


@pytest.fixture(params=[("de-DE", "light", 1440), ("ja-JP", "dark", 390)], ids=["de", "ja"])
def localised(
    request: pytest.FixtureRequest,
    transactional_db: None,
    browser: Browser,
    live_board: LiveBoard,
    staff_user: Any,
    redis_url: str,
) -> Iterator[tuple[str, BoardPage]]:
    locale, scheme, width = request.param
    showcase.seed_bullmq(redis_url)
    options = {
        "locale": locale,
        "color_scheme": scheme,
        "viewport": {"width": width, "height": 900},
    }
    for board in open_board_page(browser, live_board, staff_user, **options):
        yield locale[:2], board


EXPECTED = {
    "de": {
        "Queues": "Warteschlangen",
        "Copy": "Kopieren",
        "tab": "Daten",
        "state": "Abgeschlossen",
    },
    "ja": {"Queues": "キュー", "Copy": "コピー", "tab": "データ", "state": "完了"},
}


def test_a_job_page_in_the_browsers_language(localised: tuple[str, BoardPage]) -> None:
    lang, board = localised
    words = EXPECTED[lang]
    board.goto(job_path(showcase.QUEUE, showcase.BIG_ID, "data"))
    page = board.page
    assert page.evaluate("document.documentElement.lang") == lang
    assert words["Queues"] in page.locator(".qb-breadcrumb").inner_text()
    assert words["tab"] in page.locator("#job-tabs").inner_text()
    # The catalog came first (deferred scripts run in order) and the helpers use it.
    assert page.evaluate("typeof window.gettext") == "function"
    assert page.evaluate("window.qbT('Copy')") == words["Copy"]
    assert page.evaluate("window.qbNT('%s job', '%s jobs', 1)") == "%s job"  # not in a catalog
    # The JSON viewer (json-viewer.js) labels its buttons through the catalog.
    page.locator(".qb-json-copy").first.wait_for()
    assert page.locator(".qb-json-copy").first.inner_text() == words["Copy"]
    # The live snapshot (rendered by the socket's consumer) replaces the header in the same
    # language as the page, not in the site's LANGUAGE_CODE.
    expect(page.locator("#qb-live")).to_have_attribute("data-live", "live")
    expect(page.locator("#job-state")).to_have_text(words["state"])
    catalog = [url for url in board.requests if "/jsi18n/" in url]
    assert len(catalog) == 1 and f"/jsi18n/{lang}.js?v=" in catalog[0]
    board.screenshot(f"languages-{lang}-job")
    board.assert_clean()
