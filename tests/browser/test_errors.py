"""Expected failures get a clear page: an unknown job (404), Redis down (503)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BoardPage
from tests.redis_server import RedisServer

pytestmark = pytest.mark.browser


def assert_error_page(board: BoardPage, status: int, title: str, message: str) -> None:
    page = board.page
    expect(page.locator("h1")).to_have_text(title)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(message)
    expect(alert.get_by_role("link", name="Back to all queues")).to_have_attribute("href", "/")
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "Server Error" not in body
    assert board.page_errors == [] and board.dialogs == []
    assert board.foreign_requests() == []
    # The only console error is the browser's note about the status of the page itself.
    assert all(f"status of {status}" in error for error in board.console_errors)


def test_unknown_job_shows_not_found(
    board_page: BoardPage, node_basic: dict[str, list[str]]
) -> None:
    response = board_page.goto("/queue/bullmq/node-basic/job/no-such-job/")
    assert response.status == 404
    assert_error_page(
        board_page,
        404,
        "Not found",
        "Job 'no-such-job' was not found in queue 'node-basic'; it may have been removed.",
    )
    assert board_page.page.title().startswith("Not found")


def test_redis_down_shows_unavailable(
    board_page: BoardPage, node_basic: dict[str, list[str]], redis_server: RedisServer
) -> None:
    assert board_page.goto("/queue/bullmq/node-basic/").status == 200
    redis_server.stop()  # the redis_url fixture starts it again for the next test

    response = board_page.goto("/queue/bullmq/node-basic/")
    assert response.status == 503
    assert_error_page(
        board_page, 503, "Queue server unavailable", f"Redis at 127.0.0.1:{redis_server.port}"
    )
    expect(board_page.page.locator(".qb-error-message")).to_contain_text("did not answer")

    # The overview still answers, with the problem shown in the BullMQ section only.
    response = board_page.goto("/")
    assert response.status == 200
    expect(board_page.page.locator("#backend-bullmq .qb-problem")).to_contain_text("did not answer")
    expect(board_page.page.locator("#backend-tasks")).not_to_contain_text("did not answer")
