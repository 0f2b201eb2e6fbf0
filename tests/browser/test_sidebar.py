"""The queue sidebar in Chromium: "/" focuses its filter and Esc clears it, its collapse is kept
after a reload, and on a phone the header's menu button opens the same list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import showcase
from tests.browser.conftest import SHOTS, BoardPage, LiveBoard, open_board_page

pytestmark = pytest.mark.browser

QUEUE_PAGE = f"/queue/bullmq/{showcase.QUEUE}/?state=failed"


@pytest.fixture
def board(
    transactional_db: None, browser: Browser, live_board: LiveBoard, redis_url: str,
    staff_user: Any,
) -> Iterator[BoardPage]:  # fmt: skip
    showcase.seed_bullmq(redis_url)
    yield from open_board_page(browser, live_board, staff_user)


def listed(board: BoardPage) -> list[str]:
    """Names of the sidebar's queues shown now (each link's title: the queue's own name, which
    a display name may stand for in its text)."""
    links = board.page.locator("#qb-sidebar li[data-name]:visible a").all()
    return [str(link.get_attribute("title")) for link in links]


def test_slash_filters_the_queues_and_escape_clears(board: BoardPage) -> None:
    page = board.page
    page.set_viewport_size({"width": 1440, "height": 900})
    board.goto(QUEUE_PAGE)
    (SHOTS / "sidebar").mkdir(parents=True, exist_ok=True)
    sidebar = page.locator("#qb-sidebar")
    expect(sidebar).to_be_visible()
    expect(sidebar.locator("a[aria-current=page]")).to_have_attribute("title", showcase.QUEUE)
    expect(sidebar.locator("kbd.qb-sidebar-key")).to_be_visible()  # the shortcut's hint
    expect(sidebar.locator("#qb-sidebar-filter")).to_have_attribute("aria-keyshortcuts", "/")
    assert listed(board) == [showcase.QUEUE, showcase.LONG_QUEUE]
    page.locator("body").click(position={"x": 700, "y": 600})
    page.keyboard.press("/")
    box = page.get_by_role("searchbox", name="Filter queues by name")
    expect(box).to_be_focused()
    expect(box).to_have_value("")  # the "/" was not typed into it
    page.keyboard.type("NIGHTLY")
    assert listed(board) == [showcase.LONG_QUEUE]
    page.screenshot(path=str(SHOTS / "sidebar" / "filtered-1440.png"), caret="initial")
    page.keyboard.type("-nothing-like-it")
    assert listed(board) == []
    expect(sidebar.get_by_text("No queue matches.")).to_be_visible()
    page.keyboard.press("Escape")
    expect(box).to_have_value("")
    expect(box).not_to_be_focused()
    assert listed(board) == [showcase.QUEUE, showcase.LONG_QUEUE]
    # "/" typed in another box is that box's text, not the shortcut.
    search = page.get_by_role("searchbox", name="Search")
    search.click()
    page.keyboard.type("a/b")
    expect(search).to_have_value("a/b")
    expect(box).not_to_be_focused()
    # Enter on a filter opens the first queue left.
    page.keyboard.press("Escape")
    box.fill("nightly")
    box.press("Enter")
    page.wait_for_url(f"**/queue/bullmq/{showcase.LONG_QUEUE}/")
    board.assert_clean()


def test_collapse_is_kept_after_a_reload(board: BoardPage) -> None:
    page = board.page
    page.set_viewport_size({"width": 1440, "height": 900})
    board.goto(QUEUE_PAGE)
    (SHOTS / "sidebar").mkdir(parents=True, exist_ok=True)
    toggle = page.get_by_role("button", name="Hide the queue list")
    main_left = page.locator("#main").bounding_box()
    assert main_left
    toggle.click()
    expect(page.locator("#qb-sidebar")).to_have_class("qb-sidebar qb-collapsed")
    expect(page.locator("#qb-sidebar-filter")).to_be_hidden()
    page.screenshot(path=str(SHOTS / "sidebar" / "collapsed-1440.png"), caret="initial")
    narrower = page.locator("#main").bounding_box()
    assert narrower and narrower["x"] < main_left["x"] - 100  # the page took the room
    page.reload()
    show = page.get_by_role("button", name="Show the queue list")
    expect(show).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#qb-sidebar-filter")).to_be_hidden()
    # "/" still reaches the filter: it opens the sidebar again.
    page.keyboard.press("/")
    expect(page.locator("#qb-sidebar-filter")).to_be_focused()
    page.reload()
    expect(page.get_by_role("button", name="Hide the queue list")).to_be_visible()
    board.goto(f"/queue/bullmq/{showcase.QUEUE}/job/1/")  # the job page has it too
    expect(page.locator("#qb-sidebar a[aria-current=page]")).to_have_attribute(
        "title", showcase.QUEUE
    )
    board.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_compact_menu_on_a_phone(board: BoardPage, scheme: str) -> None:
    page = board.page
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    page.set_viewport_size({"width": 390, "height": 844})
    board.goto(QUEUE_PAGE)
    sidebar = page.locator("#qb-sidebar")
    expect(sidebar).to_be_hidden()
    menu = page.get_by_role("button", name="Queues", exact=True)
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(sidebar).to_be_visible()
    expect(page.locator("#qb-sidebar-filter")).to_be_focused()
    assert listed(board) == [showcase.QUEUE, showcase.LONG_QUEUE]
    shot = SHOTS / "sidebar" / f"menu-390-{scheme}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), caret="initial")  # the viewport: the menu under the header
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390
    box = sidebar.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.keyboard.press("Escape")  # closes the menu, focus back on its button
    expect(sidebar).to_be_hidden()
    expect(menu).to_be_focused()
    page.keyboard.press("/")  # the shortcut opens it too
    expect(sidebar).to_be_visible()
    sidebar.get_by_role("link", name=showcase.LONG_QUEUE).click()
    page.wait_for_url(f"**/queue/bullmq/{showcase.LONG_QUEUE}/")
    expect(page.locator("#qb-sidebar")).to_be_hidden()
    board.assert_clean()


def test_no_workers_badge_outlives_live_row_updates(board: BoardPage, redis_url: str) -> None:
    """The overview marks queues no worker serves; a live update of a row keeps the mark."""
    import asyncio
    import threading

    from tests import bullmq_producers as producers

    page = board.page
    page.set_viewport_size({"width": 1440, "height": 900})
    board.goto("/")
    row = page.locator(f'#backend-bullmq tr.qb-queue-row[data-queue="{showcase.QUEUE}"]')
    expect(row.locator(".qb-badge-no-workers")).to_have_text("No workers")
    expect(page.locator("#backend-tasks .qb-badge-no-workers")).to_have_count(0)
    waiting = row.locator("td.state-waiting a")
    before = int(waiting.inner_text())
    adding = threading.Thread(  # Playwright's own loop runs in this thread
        target=lambda: asyncio.run(producers.add_jobs(redis_url, showcase.QUEUE, 2))
    )
    adding.start()
    adding.join(30)
    expect(waiting).to_have_text(str(before + 2), timeout=15_000)  # the row came live
    expect(row.locator(".qb-badge-no-workers")).to_have_count(1)
    board.screenshot("sidebar/overview-no-workers-1440")
    board.assert_clean()
