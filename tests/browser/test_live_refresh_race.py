"""A resynchronisation whose answer arrives after the reader moved to another tab does not put
the old tab's rows back (CI once saw the Failed list replaced by the Waiting rows under a
click)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Route, expect

from tests.browser.conftest import BoardPage

pytestmark = pytest.mark.browser

#: What the live socket delivers when the reader resynchronises (a reconnection, a restart).
RESYNC = """() => {
  const live = document.getElementById("qb-live");
  const message = { data: JSON.stringify({ qb: { resync: true } }) };
  live.dispatchEvent(new CustomEvent("htmx:ws:after:message:incoming", { detail: { message } }));
}"""


def test_a_late_resync_answer_does_not_replace_the_tab_now_shown(
    board_page: BoardPage, node_basic: dict[str, list[str]]
) -> None:
    page = board_page.page
    board_page.goto("/queue/bullmq/node-basic/")
    rows = page.locator("#job-list tr.qb-job-row")
    expect(page.locator("#job-list")).not_to_have_attribute("data-state", "failed")
    shown_first = rows.first.get_attribute("data-job-id")

    # Hold the resync's page fetch (a plain GET; htmx's tab swap carries HX-Request).
    held: list[Route] = []

    def hold_plain_gets(route: Route) -> None:
        if route.request.headers.get("hx-request"):
            route.continue_()
        else:
            held.append(route)

    queue_page = re.compile(r"/queue/bullmq/node-basic/(\?.*)?$")
    page.route(queue_page, hold_plain_gets)
    page.evaluate(RESYNC)
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the resync did not fetch the page"

    board_page.open_state_tab("Failed")
    expect(page).to_have_url(re.compile(r"\?state=failed$"))
    expect(page.locator("#job-list")).to_have_attribute("data-state", "failed")
    expect(rows).to_have_count(len(node_basic["failed"]))

    # The old view's answer arrives now: the Failed list stays.
    with page.expect_response(lambda response: response.request is held[0].request):
        held[0].continue_()
    page.unroute(queue_page)
    page.wait_for_timeout(300)
    expect(page.locator("#job-list")).to_have_attribute("data-state", "failed")
    assert [rows.nth(i).get_attribute("data-job-id") for i in range(rows.count())] == node_basic[
        "failed"
    ]
    assert shown_first not in node_basic["failed"]
    rows.first.get_by_role("link", name=node_basic["failed"][0], exact=True).click()
    expect(page).to_have_url(re.compile(rf"/job/{node_basic['failed'][0]}/$"))
    board_page.assert_clean()
