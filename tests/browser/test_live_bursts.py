"""Live job lists in Chromium: jobs added at once are inserted at the top of page 1 (an empty
list too), and a tab counts only the jobs that entered its state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis
from playwright.sync_api import expect

from tests.browser.conftest import BoardPage
from tests.browser.live_node import expect_live
from tests.fixtures_bullmq import run_node

pytestmark = [pytest.mark.browser, pytest.mark.node]

QUEUE = "bursts"


def add_jobs(redis_url: str, count: int, **opts: object) -> list[str]:
    """Jobs added by Node bullmq in one bulk call, with job options ``opts``; their ids."""
    arguments = [QUEUE, str(count), "{}", json.dumps(opts)]
    return list(json.loads(run_node("add_jobs.mjs", redis_url, *arguments)))


def empty_queue(redis_url: str) -> None:
    """The queue's keys as a Node ``Queue`` leaves them before any job: discovered, empty."""
    client = redis.Redis.from_url(redis_url)
    try:
        client.hset(f"bull:{QUEUE}:meta", "opts.maxLenEvents", 10000)
        client.set(f"bull:{QUEUE}:id", 0)
        client.xadd(f"bull:{QUEUE}:events", {"event": "drained"})
    finally:
        client.close()


def row_ids(board: BoardPage) -> list[str]:
    script = "[...document.querySelectorAll('#job-list tr.qb-job-row')].map(r => r.dataset.jobId)"
    return list(board.page.evaluate(script))


@pytest.mark.parametrize("seeded", [False, True], ids=["empty-list", "list"])
def test_jobs_added_at_once_are_inserted_at_the_top(
    board_page: BoardPage, node_modules: Path, redis_url: str, seeded: bool
) -> None:
    page = board_page.page
    empty_queue(redis_url)
    first = add_jobs(redis_url, 1) if seeded else []
    board_page.goto(f"/queue/bullmq/{QUEUE}/?state=waiting")
    expect_live(board_page)
    expect(page.locator("#job-list tr.qb-job-row")).to_have_count(len(first))
    page.wait_for_timeout(1500)  # the reader follows the queue's stream
    board_page.mark_document()
    added = add_jobs(redis_url, 2)
    expect(page.locator("#qb-tab-count-waiting")).to_have_text(str(len(first) + 2))
    expect(page.locator("#job-list tr.qb-job-row")).to_have_count(len(first) + 2)
    assert row_ids(board_page) == [*added[::-1], *first]
    expect(page.locator("#qb-new-jobs")).to_be_hidden()
    assert board_page.same_document()
    board_page.assert_clean()


def test_plain_jobs_are_no_news_on_the_prioritized_tab(
    board_page: BoardPage, node_modules: Path, redis_url: str
) -> None:
    page = board_page.page
    add_jobs(redis_url, 1, priority=5)
    board_page.goto(f"/queue/bullmq/{QUEUE}/?state=prioritized")
    expect_live(board_page)
    expect(page.locator("#job-list tr.qb-job-row")).to_have_count(1)
    page.wait_for_timeout(1500)  # the reader follows the queue's stream
    add_jobs(redis_url, 2)
    expect(page.locator("#qb-tab-count-waiting")).to_have_text("2")
    page.wait_for_timeout(500)  # any notice would have come with the counts
    expect(page.locator("#qb-new-jobs")).to_be_hidden()
    board_page.assert_clean()
