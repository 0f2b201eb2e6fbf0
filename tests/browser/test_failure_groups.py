"""Failure groups by clicking, in Chromium: the failed tab leads to the groups of a hundred
failures a real Node worker wrote; Retry group asks with the count, runs, and leaves the
other causes; All failures lists every queue's groups. Screenshots in /tmp/qb-shots/."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from playwright.sync_api import Browser, expect

from tests.actions_helpers import grant
from tests.browser.conftest import SHOTS, BoardPage, LiveBoard, open_board_page
from tests.fixtures_bullmq import run_node

pytestmark = [pytest.mark.browser, pytest.mark.node]

Q = "causes"


@pytest.fixture
def causes(node_modules: Path, redis_url: str) -> list[list[str]]:
    out = run_node("failure_causes.mjs", redis_url, Q, "100")
    ids: list[list[str]] = json.loads(out.strip().splitlines()[-1])
    return ids


@pytest.fixture
def operator_page(
    transactional_db: None, browser: Browser, live_board: LiveBoard, staff_user: Any
) -> Iterator[BoardPage]:
    operator = grant(staff_user, "retry_jobs", "remove_jobs")
    yield from open_board_page(browser, live_board, operator, color_scheme="light")


def test_group_and_retry_by_clicking(
    operator_page: BoardPage, causes: list[list[str]], redis_url: str
) -> None:
    board, page = operator_page, operator_page.page
    board.goto(f"/queue/bullmq/{Q}/?state=failed")
    page.get_by_role("link", name="Group by cause").click()
    expect(page.locator("h1")).to_contain_text("by cause")
    rows = page.locator(".qb-failure-groups tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#failure-window")).to_contain_text("Every failed job read (100)")
    user_row = rows.filter(has_text="TypeError: User <n> not found (<email>)")
    expect(user_row.locator(".qb-group-count")).to_have_text(str(len(causes[0])))
    expect(user_row).to_contain_text("sync-user")
    expect(user_row.locator("time").first).to_be_visible()
    (SHOTS / "failure-groups").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "failure-groups" / "groups.png"), full_page=True)

    user_row.get_by_role("link", name="Retry group").click()
    expect(page.locator("#confirm-count")).to_contain_text(f"{len(causes[0])}")
    page.screenshot(path=str(SHOTS / "failure-groups" / "confirm.png"), full_page=True)
    page.get_by_role("button", name="Retry group").click()
    expect(page).to_have_url(re.compile(r"/runs/"))
    expect(page.locator("#run-state")).to_have_attribute("data-status", "finished", timeout=20_000)
    page.screenshot(path=str(SHOTS / "failure-groups" / "run.png"), full_page=True)

    r = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        waiting = set(r.lrange(f"bull:{Q}:wait", 0, -1))
        failed = set(r.zrange(f"bull:{Q}:failed", 0, -1))
    finally:
        r.close()
    assert waiting == set(causes[0]) and failed == set(causes[1]) | set(causes[2])

    board.goto("/")
    page.get_by_role("link", name="Failures", exact=True).click()
    expect(page.locator("h1")).to_have_text("All failures by cause")
    expect(page.locator(".qb-failure-groups tbody tr")).to_have_count(2)
    page.screenshot(path=str(SHOTS / "failure-groups" / "all.png"), full_page=True)
    assert not board.console_errors and not board.page_errors
