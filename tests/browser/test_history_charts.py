"""The history charts in Chromium: the queue page loads the panel with 90 days of history in
both themes at 390, 768 and 1440 px (screenshots in /tmp/qb-shots/history/), the range switch
swaps it, the overview draws a sparkline, and nothing breaks the CSP."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from queues.history import store
from queues.history.buckets import Tally, add_sample
from tests import sample_tasks
from tests.browser.conftest import SHOTS, BoardPage, LiveBoard, open_board_page

pytestmark = [pytest.mark.browser]
QUEUE = "charts"
WIDTHS = (390, 768, 1440)


def seed_history(now: float) -> None:
    """A busy queue: every minute of the last hour, every hour of the day, every day of 90."""
    minute = int(now) // 60 * 60
    tallies: dict[tuple[str, str, int], Tally] = {}

    def put(at: int, n: int, failed: int, ms: float) -> None:
        t = tallies.setdefault(("tasks", QUEUE, at), Tally())
        t.completed += n
        t.failed += failed
        for k in range(3):
            add_sample(t.run, ms * (1 + k))
            add_sample(t.wait, ms * (2 + k) / 3)

    for i in range(60):
        put(minute - 60 * i, 20 + int(10 * math.sin(i / 6)), i % 7 == 0, 80 + i)
    for h in range(1, 24):
        put(minute - 3600 * h, 900 + 40 * h, 5 * (h % 4), 60 + 4 * h)
    for d in range(1, 90):
        put(minute - 86400 * d, 20000 + 300 * (d % 9), 40 * (d % 5), 70 + d)
    store.write(tallies, now=now)


@pytest.fixture
def seeded(transactional_db: None) -> None:
    sample_tasks.add.using(queue_name=QUEUE).enqueue(1, 2)
    seed_history(time.time())


@pytest.fixture(params=["light", "dark"])
def page(
    request: pytest.FixtureRequest,
    seeded: None,
    browser: Browser,
    live_board: LiveBoard,
    staff_user: Any,
) -> Iterator[tuple[str, BoardPage]]:
    scheme = str(request.param)
    for board in open_board_page(browser, live_board, staff_user, color_scheme=scheme):
        yield scheme, board


def test_the_charts_in_both_themes_and_every_width(page: tuple[str, BoardPage]) -> None:
    scheme, board = page
    out = SHOTS / "history"
    out.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        board.page.set_viewport_size({"width": width, "height": 900})
        board.goto(f"/queue/tasks/{QUEUE}/")
        panel = board.page.locator("#history-panel.qb-history-panel")
        expect(panel.locator("svg.qb-chart-throughput rect").first).to_be_attached()
        panel.scroll_into_view_if_needed()
        board.page.screenshot(
            path=str(out / f"queue-{width}-{scheme}.png"), full_page=True, caret="initial"
        )
        # The panel fits the page's width (no sideways scrolling).
        box = panel.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    panel = board.page.locator("#history-panel")
    panel.get_by_role("link", name="Last 90 days").click()
    expect(board.page.locator('#history-panel a[aria-current="true"]')).to_have_text("Last 90 days")
    # 90 days of completed bars, and the days with failures (72 of the 89 before today, and
    # today) with a failed one on top.
    expect(board.page.locator("#history-panel svg.qb-chart-throughput rect")).to_have_count(
        90 + 72 + 1
    )
    panel.screenshot(path=str(out / f"panel-90d-1440-{scheme}.png"), caret="initial")
    board.goto("/")
    spark = board.page.locator(f'tr[data-queue="{QUEUE}"] svg.qb-spark')
    expect(spark).to_be_visible()
    board.page.screenshot(path=str(out / f"overview-1440-{scheme}.png"), caret="initial")
    board.assert_clean()
