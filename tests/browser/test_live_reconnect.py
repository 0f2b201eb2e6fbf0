"""A page whose server goes away reconnects with backoff when it is back, and resynchronises."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import open_board_page
from tests.live_servers import Daphne, daphne
from tests.redis_server import RedisServer, free_port

pytestmark = pytest.mark.browser
QUEUE = "comeback"


async def add_jobs(url: str, count: int) -> None:
    from bullmq import Queue

    queue = Queue(QUEUE, {"connection": url, "prefix": "bull"})
    for _ in range(count):
        await queue.add("work", {})
    await queue.close()


def add(url: str, count: int) -> None:
    """Add jobs from a fresh thread: Playwright's loop runs in this one."""
    import threading

    thread = threading.Thread(target=lambda: asyncio.run(add_jobs(url, count)))
    thread.start()
    thread.join(30)


@pytest.fixture
def own_board(
    redis_server: RedisServer, redis_url: str, transactional_db: None
) -> Iterator[Daphne]:
    board = daphne(free_port(), redis_url, live={"RESYNC": 1.0})
    board.start()
    try:
        yield board
    finally:
        board.stop()


def test_page_reconnects_and_resyncs(
    browser: Browser, own_board: Daphne, staff_user: Any, redis_url: str
) -> None:
    add(redis_url, 1)
    pages = open_board_page(browser, own_board, staff_user)  # type: ignore[arg-type]
    board = next(pages)
    try:
        page = board.page
        board.goto(f"/queue/bullmq/{QUEUE}/")
        live = page.locator("#qb-live")
        expect(live).to_have_attribute("data-live", "live")
        board.mark_document()
        count = page.locator("#qb-tab-count-waiting")
        expect(count).to_have_text("1")

        own_board.stop(kill=True)
        expect(live).not_to_have_attribute("data-live", "live")
        add(redis_url, 2)  # while the page is cut off
        own_board.start()
        expect(live).to_have_attribute("data-live", "live", timeout=30_000)
        expect(count).to_have_text("3")
        expect(page.locator("#job-list tr.qb-job-row")).to_have_count(3)
        assert board.same_document()
    finally:
        next(pages, None)
