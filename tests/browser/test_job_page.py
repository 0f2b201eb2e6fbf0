"""The job page in Chromium: the JSON viewer folds and unfolds, copies the raw JSON and shows
hostile keys as text; times in the viewer's zone with the zone named; ages that tick; logs
newest first with a filter, an order toggle and follow-live; all under the CSP (no console
error)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import redis
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser import showcase
from tests.browser.conftest import BoardPage, LiveBoard, open_board_page
from tests.browser.live_node import QUEUE as LIVE_QUEUE
from tests.browser.live_node import NodeWorker, count, expect_live, wait_for

pytestmark = pytest.mark.browser

HOSTILE = "</script><img src=x onerror=alert(1)>"
QUEUE = "job-page"


def job_path(queue: str, job_id: str, tab: str | None = None) -> str:
    path = f"/queue/bullmq/{quote(queue)}/job/{quote(job_id, safe='')}/"
    return path + (f"?tab={tab}" if tab else "")


def write_job(url: str, job_id: str, state_key: str, **fields: Any) -> None:
    from tests import bullmq_producers

    r = bullmq_producers.client(url)
    try:
        bullmq_producers.write_queue_keys(r, QUEUE)
        bullmq_producers.write_job(r, QUEUE, job_id, state_key, **fields)
    finally:
        r.close()


def key(page: Page, name: str) -> Locator:
    """A JSON tree node's own key ``name`` (for ``has=``)."""
    return page.locator(f":scope > summary > .qb-j-key:text-is('{json.dumps(name)}')")


def node_open(tree: Locator, name: str) -> bool:
    """Whether the tree's first node keyed ``name`` is unfolded."""
    return bool(
        tree.evaluate(
            """(tree, key) => [...tree.querySelectorAll("summary > .qb-j-key")]
                .find((k) => k.textContent === key).closest("details").open""",
            json.dumps(name),
        )
    )


@pytest.fixture
def new_york(
    transactional_db: None, browser: Browser, live_board: LiveBoard, staff_user: Any
) -> Iterator[BoardPage]:
    """A page of a staff user whose browser is in New York, allowed to use the clipboard."""
    yield from open_board_page(
        browser,
        live_board,
        staff_user,
        color_scheme="light",
        timezone_id="America/New_York",
        permissions=["clipboard-read", "clipboard-write"],
    )


def test_json_viewer_folds_unfolds_and_shows_raw(board_page: BoardPage, redis_url: str) -> None:
    showcase.seed_bullmq(redis_url)
    page = board_page.page
    board_page.goto(job_path(showcase.QUEUE, showcase.BIG_ID, "data"))
    view = page.locator(".qb-json-view").first
    tree = view.locator(".qb-json-tree")
    expect(tree).to_be_visible()
    expect(view.locator("pre.qb-json")).to_be_hidden()
    # 300 items: folded, and none built until opened.
    items = tree.locator("details.qb-j-node", has=key(page, "items"))
    expect(items).to_have_count(1)
    assert items.evaluate("d => d.open") is False
    expect(items.locator(".qb-j-children")).to_have_count(0)
    expect(items.locator(":scope > summary .qb-j-count")).to_have_text("300 items")
    items.locator(":scope > summary").click()
    assert items.evaluate("d => d.open") is True
    expect(items.locator(":scope > .qb-j-children > details.qb-j-node")).to_have_count(200)
    more = items.locator(":scope > .qb-j-children > button.qb-j-more")
    expect(more).to_have_text("Show more (100)")
    more.click()
    expect(items.locator(":scope > .qb-j-children > details.qb-j-node")).to_have_count(300)
    # Deeper than two levels: folded ("nested" open at depth 1, "a" folded at depth 2).
    assert node_open(tree, "nested") is True
    assert node_open(tree, "a") is False
    items.locator(":scope > summary").click()
    assert items.evaluate("d => d.open") is False
    # A long string (2,400 characters of base64) shows its start, and the rest on a click.
    blob = tree.locator(".qb-j-long").first
    expect(blob.locator(".qb-j-str")).to_have_text(re.compile(r'^"QmFz.{395}\u2026$'))
    blob.get_by_role("button").click()
    expect(blob.locator(".qb-j-str")).to_have_text(
        '"' + "QmFzZTY0IGRhdGEgd2l0aG91dCBhbnkgc3BhY2Vz" * 60 + '"'
    )
    # Expand all, collapse all, and the raw text one click away.
    view.get_by_role("button", name="Expand all").click()
    assert node_open(tree, "a") is True and node_open(tree, "e") is True
    expect(tree.locator(".qb-j-str", has_text="deepdeep")).to_be_visible()
    view.get_by_role("button", name="Collapse all").click()
    assert node_open(tree, "items") is False and node_open(tree, "a") is False
    view.get_by_role("button", name="Raw").click()
    expect(view.locator("pre.qb-json")).to_be_visible()
    expect(tree).to_be_hidden()
    expect(view.locator("pre.qb-json")).to_contain_text('"sku": "SKU-00299"')
    view.get_by_role("button", name="Tree").click()
    expect(tree).to_be_visible()
    board_page.screenshot("job-page-json-viewer")
    board_page.assert_clean()


def test_copy_puts_the_raw_json_on_the_clipboard(new_york: BoardPage, redis_url: str) -> None:
    data = {"to": "a@example.com", "n": [1, 2, 3], "nested": {"deep": {"er": True}}}
    write_job(redis_url, "c", "wait", data=json.dumps(data))
    page = new_york.page
    new_york.goto(job_path(QUEUE, "c", "data"))
    view = page.locator(".qb-json-view").first
    button = view.locator("button.qb-json-copy")
    expect(button).to_have_text("Copy")
    button.click()
    expect(button).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert json.loads(copied) == data
    assert copied == view.locator("pre.qb-json").text_content()
    expect(button).to_have_text("Copy", timeout=5000)
    new_york.assert_clean()


def test_hostile_keys_and_values_render_as_text(board_page: BoardPage, redis_url: str) -> None:
    data = {HOSTILE: HOSTILE, "list": [HOSTILE], "deep": {"deeper": {HOSTILE: {HOSTILE: 1}}}}
    write_job(redis_url, "h", "wait", data=json.dumps(data), opts=json.dumps({HOSTILE: 1, "kl": 2}))
    page = board_page.page
    for tab in ("data", "options"):
        board_page.goto(job_path(QUEUE, "h", tab))
        tree = page.locator(".qb-json-tree").first
        expect(tree).to_be_visible()
        tree.get_by_role("button", name="Expand all").count()  # none inside the tree itself
        page.locator(".qb-json-view").first.get_by_role("button", name="Expand all").click()
        keys = tree.locator(".qb-j-key").all_text_contents()
        assert json.dumps(HOSTILE) in keys
        if tab == "data":
            assert tree.locator(".qb-j-str").all_text_contents().count(json.dumps(HOSTILE)) == 2
        else:
            assert '"keepLogs"' in keys and '"kl"' not in keys
        assert page.locator("img").count() == 0
        sources = page.locator("script").evaluate_all("s => s.map(e => e.getAttribute('src'))")
        assert all(sources), sources  # no inline script
    board_page.assert_clean()


def test_times_in_the_viewers_zone_with_the_zone_named(new_york: BoardPage, redis_url: str) -> None:
    added = datetime(2026, 12, 1, 18, 25, 56, 997000, tzinfo=UTC)
    ms = int(added.timestamp() * 1000)
    write_job(
        redis_url, "z", "completed", timestamp=ms, processedOn=ms + 1000, finishedOn=ms + 3500
    )
    page = new_york.page
    new_york.goto(job_path(QUEUE, "z", "timeline"))
    local = added.astimezone(ZoneInfo("America/New_York"))
    assert local.strftime("%Z") == "EST"
    head_time = page.locator("#job-times time").first
    expect(head_time).to_have_text(local.strftime("%Y-%m-%d %H:%M:%S EST"))
    expect(head_time).to_have_attribute("datetime", "2026-12-01T18:25:56.997Z")
    assert "2026-12-01 18:25:56 UTC" in (head_time.get_attribute("title") or "")
    assert "America/New_York" in (head_time.get_attribute("title") or "")
    timeline = page.locator("#job-timeline time").first
    expect(timeline).to_have_text(local.strftime("%Y-%m-%d %H:%M:%S.997 EST"))
    assert not re.search(r"\.\d{4,}", page.locator("#job-timeline").inner_text())
    new_york.assert_clean()


def test_ages_tick_in_the_header_and_the_list(board_page: BoardPage, redis_url: str) -> None:
    now = int(time.time() * 1000)
    write_job(redis_url, "fresh", "wait", timestamp=now - 2000)
    page = board_page.page
    board_page.goto(job_path(QUEUE, "fresh"))
    age = page.locator("#job-times [data-qb-age]").first
    first = age.text_content()
    assert first and first.endswith(" s ago"), first
    expect(age).not_to_have_text(first, timeout=8000)
    now = int(time.time() * 1000)
    write_job(redis_url, "due", "delayed", timestamp=now, delay=5000)
    client = redis.Redis.from_url(redis_url)
    client.zadd(f"bull:{QUEUE}:delayed", {"due": (now + 5000) * 4096})
    client.close()
    board_page.goto(f"/queue/bullmq/{QUEUE}/?state=delayed")
    expect(page.locator("#job-list thead th", has_text="Due")).to_have_count(1)
    cell = page.locator("#job-list tr.qb-job-row .qb-col-age [data-qb-age]").first
    expect(cell).to_have_text(re.compile(r"^in \d"))
    expect(cell).to_have_text(re.compile(r"^overdue by \d"), timeout=12_000)
    board_page.assert_clean()


def test_logs_newest_first_with_order_filter_and_copy(new_york: BoardPage, redis_url: str) -> None:
    showcase.seed_bullmq(redis_url)
    page = new_york.page
    new_york.goto(job_path(showcase.QUEUE, showcase.FAILED_ID, "logs"))
    lines = page.locator("#job-logs li")
    expect(lines).to_have_count(3)
    expect(lines.first).to_contain_text("attempt 3:")
    expect(lines.last).to_contain_text("attempt 1:")
    order = page.locator("[data-logs-order]")
    expect(order).to_have_text("Newest first")
    order.click()
    expect(order).to_have_text("Oldest first")
    expect(lines.first).to_contain_text("attempt 1:")
    page.locator("[data-logs-filter]").fill("attempt 2")
    expect(page.locator("#job-logs li:visible")).to_have_count(1)
    expect(page.locator("#job-logs li:visible")).to_contain_text("attempt 2:")
    expect(page.locator("[data-logs-shown]")).to_have_text("1 of 3 lines match")
    page.locator("[data-logs-copy]").click()
    expect(page.locator("[data-logs-copy]")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()").startswith("attempt 2:")
    page.locator("[data-logs-filter]").fill("")
    expect(page.locator("#job-logs li:visible")).to_have_count(3)
    new_york.assert_clean()


def test_logs_follow_live_newest_on_top(
    board_page: BoardPage, node_live_worker: NodeWorker, redis_url: str
) -> None:
    page, worker = board_page.page, node_live_worker
    job_id = worker.add('{"steps": 10, "stepMs": 700}')
    wait_for(lambda: count(redis_url, "active") == 1)
    board_page.goto(job_path(LIVE_QUEUE, job_id, "logs"))
    expect_live(board_page)
    lines = page.locator("#job-logs li")
    numbers = "ol => [...ol.children].map((li) => li.value)"
    # Lines pushed live: the newest on top.
    wait_for(lambda: len(page.locator("#job-logs").evaluate(numbers)) >= 2)
    shown = page.locator("#job-logs").evaluate(numbers)
    assert shown == sorted(shown, reverse=True), shown
    page.locator("[data-logs-order]").click()
    expect(lines.first).to_have_text("step 1")
    # The choice holds for the lists pushed after it.
    expect(lines).to_have_count(10, timeout=15_000)
    assert page.locator("#job-logs").evaluate(numbers) == list(range(1, 11))
    expect(lines.last).to_have_text("step 10")
    page.locator("[data-logs-order]").click()
    expect(lines.first).to_have_text("step 10")
    board_page.assert_clean()


def test_without_javascript_the_raw_text_shows(
    transactional_db: None, browser: Browser, live_board: LiveBoard, staff_user: Any, redis_url: str
) -> None:
    write_job(redis_url, "nojs", "wait", data=json.dumps({"a": {"b": {"c": 1}}}))
    client = redis.Redis.from_url(redis_url)
    client.rpush(f"bull:{QUEUE}:nojs:logs", "one", "two")
    client.close()
    for board in open_board_page(browser, live_board, staff_user, java_script_enabled=False):
        page = board.page
        board.goto(job_path(QUEUE, "nojs", "data"))
        expect(page.locator("pre.qb-json").first).to_be_visible()
        expect(page.locator("pre.qb-json").first).to_contain_text('"c": 1')
        expect(page.locator("time.qb-time").first).to_contain_text(" UTC")
        board.goto(job_path(QUEUE, "nojs", "logs"))
        expect(page.locator("#job-logs li").first).to_have_text("two")
        expect(page.locator(".qb-logs-tools")).to_be_hidden()


def test_copy_without_the_clipboard_api(new_york: BoardPage, redis_url: str) -> None:
    """Served over plain http (no secure context) a browser has no Clipboard API: the copy
    button copies through a selection instead."""
    write_job(redis_url, "c2", "wait", data=json.dumps({"copied": "by selection"}))
    page = new_york.page
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    new_york.goto(job_path(QUEUE, "c2", "data"))
    assert page.evaluate("navigator.clipboard") is None
    button = page.locator(".qb-json-view button.qb-json-copy").first
    button.click()
    expect(button).to_have_text("Copied")
    reader = page.context.new_page()
    reader.goto(new_york.origin + "/healthz")
    assert json.loads(reader.evaluate("navigator.clipboard.readText()")) == {
        "copied": "by selection"
    }
    reader.close()
    new_york.assert_clean()
