"""The flow tree on a job page, in Chromium: a Node FlowProducer flow of three levels across
two queues, its links, its states, and a child's state changing live."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BoardPage
from tests.browser.live_node import expect_live
from tests.fixtures_bullmq import start_node_worker, stop_worker

pytestmark = [pytest.mark.browser, pytest.mark.node]


def test_flow_tree_links_states_and_live_changes(
    board_page: BoardPage, node_produce: Callable[[str], dict[str, Any]], redis_url: str
) -> None:
    ids = node_produce("deep-flow")
    page = board_page.page
    leaf = ids["leaves"][0]
    board_page.goto(f"/queue/bullmq/flow-a/job/{leaf}/")
    expect_live(board_page)
    tree = page.locator("#job-flow .qb-flow-tree")
    expect(tree).to_be_visible()
    nodes = tree.locator(".qb-flow-node")
    expect(nodes).to_have_count(5)
    root = nodes.first
    expect(root.locator(".qb-flow-name")).to_have_text("report <b>root</b>")
    expect(root.locator(".qb-state")).to_have_text("Waiting children")
    current = tree.locator('[aria-current="true"]')
    expect(current).to_have_count(1)
    expect(current.locator(".qb-flow-name")).to_have_text("leaf <img src=x onerror=alert(1)>")
    expect(current.locator(".qb-state")).to_have_text("Completed")
    mid2 = tree.locator(".qb-flow-node", has_text="mid-2")
    expect(mid2.locator(".qb-state")).to_have_text("Waiting")
    expect(mid2.locator(".qb-flow-queue")).to_have_text("flow-b")
    board_page.mark_document()

    # The page announced the flow's other queue to the reader on connecting; the reader takes
    # new queues' event streams up within its poll (1 s), from their newest entry on, so moves
    # before that are not heard: give it the time (a loaded CI machine once missed them).
    page.wait_for_timeout(2500)
    # A worker on the middle queue runs both middle jobs: their states change in the tree,
    # and the root, whose children are done, leaves "waiting for children".
    worker = start_node_worker(redis_url, "flow-b", 1, 0)
    try:
        expect(mid2.locator(".qb-state")).to_have_text("Completed", timeout=15_000)
        mid1 = tree.locator(".qb-flow-node", has_text="mid-1")
        expect(mid1.locator(".qb-state")).to_have_text("Completed")
        expect(tree.locator(".qb-flow-node").first.locator(".qb-state")).to_have_text("Waiting")
    finally:
        stop_worker(worker)
    assert board_page.same_document()

    # The links lead to each job's page, whose tree marks that job.
    tree.locator(".qb-flow-node").first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/queue/bullmq/flow-a/job/{ids['root']}/$"))
    current = page.locator('#job-flow .qb-flow-tree [aria-current="true"]')
    expect(current.locator(".qb-flow-name")).to_have_text("report <b>root</b>")
    board_page.assert_clean()
