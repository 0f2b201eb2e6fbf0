"""Dead letters in Chromium: a dead-letter job a real Node worker wrote shows its original job,
and Replay into original queue leads to the new job there. The job page and the queue's panel
at 390, 768 and 1440 px, light and dark, without sideways scrolling (screenshots in
/tmp/qb-shots/dead-letters/)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import redis
from playwright.sync_api import Browser, expect

from queues.dead_letters import replay_job_id
from tests.actions_helpers import grant
from tests.browser.conftest import SHOTS, BoardPage, LiveBoard, open_board_page
from tests.fixtures_bullmq import run_node

pytestmark = [pytest.mark.browser, pytest.mark.node]

Q = "emails"
DLQ = "dead-letter"


@pytest.fixture
def dead_letters(node_modules: Path, redis_url: str) -> list[str]:
    """The dead-letter jobs' ids, oldest first, of three finally failed ``emails`` jobs."""
    run_node("dead_letters.mjs", redis_url, "fail", Q, "3")
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        return list(reversed(r.lrange(f"bull:{DLQ}:wait", 0, -1)))
    finally:
        r.close()


@pytest.fixture
def replayer(transactional_db: None, staff_user: Any) -> Any:
    return grant(staff_user, "replay_dead_letters")


def _fits(board: BoardPage) -> bool:
    return bool(
        board.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_dead_letter_pages_at_every_width(
    browser: Browser, live_board: LiveBoard, replayer: Any, dead_letters: list[str], scheme: str
) -> None:
    (SHOTS / "dead-letters").mkdir(parents=True, exist_ok=True)
    for board in open_board_page(browser, live_board, replayer, color_scheme=scheme):
        page = board.page
        for width in (390, 768, 1440):
            page.set_viewport_size({"width": width, "height": 900})
            board.goto(f"/queue/bullmq/{DLQ}/job/{dead_letters[0]}/")
            expect(page.locator("#dead-letter-job")).to_contain_text("Original job")
            assert _fits(board), f"job page scrolls sideways at {width}px"
            shot = SHOTS / "dead-letters" / f"job-{width}-{scheme}.png"
            page.screenshot(path=str(shot), full_page=True)
            board.goto(f"/queue/bullmq/{DLQ}/?state=waiting")
            expect(page.locator("#dead-letter-panel tbody tr")).to_have_count(3)
            assert _fits(board), f"queue page scrolls sideways at {width}px"
            shot = SHOTS / "dead-letters" / f"queue-{width}-{scheme}.png"
            page.screenshot(path=str(shot), full_page=True)
            panel = SHOTS / "dead-letters" / f"panel-{width}-{scheme}.png"
            page.locator("#dead-letter-panel").screenshot(path=str(panel))
        assert not board.console_errors and not board.page_errors


def test_replay_button_leads_to_the_new_job(
    browser: Browser,
    live_board: LiveBoard,
    replayer: Any,
    dead_letters: list[str],
    redis_url: str,
) -> None:
    job = dead_letters[0]
    for board in open_board_page(browser, live_board, replayer, color_scheme="light"):
        page = board.page
        page.set_viewport_size({"width": 1440, "height": 900})
        board.goto(f"/queue/bullmq/{DLQ}/job/{job}/")
        panel = page.locator("#dead-letter-job")
        expect(panel.get_by_role("link", name=re.compile(rf"^Job \d+ of {Q}$"))).to_be_visible()
        expect(panel).to_contain_text("SMTP refused <user")
        panel.get_by_role("button", name="Replay into original queue").click()
        new_id = replay_job_id(DLQ, job)
        expect(page.locator("h1")).to_contain_text(new_id)
        expect(page.locator("body")).to_contain_text(f"replayed into {Q}")
        page.screenshot(path=str(SHOTS / "dead-letters" / "replayed.png"), full_page=True)
        assert not board.console_errors and not board.page_errors
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        assert not r.exists(f"bull:{DLQ}:{job}")
        assert json.loads(r.hget(f"bull:{Q}:{new_id}", "data"))["to"].endswith("@example.com")
    finally:
        r.close()
