"""Hostile job content is shown as text on every page and tab, never run or parsed as HTML."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest
import redis
from playwright.sync_api import expect

from tests.browser.conftest import BoardPage

pytestmark = pytest.mark.browser

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
QUEUE = "<b>q\"'</b>"
JOB_ID = "1"


def seed_hostile_job(url: str) -> None:
    """One failed job, written by hand the way BullMQ stores it, full of markup."""
    now = int(time.time() * 1000)
    key = f"bull:{QUEUE}:{JOB_ID}"
    client = redis.Redis.from_url(url)
    try:
        client.hset(
            key,
            mapping={
                "name": f"name {IMG} {SCRIPT}",
                "data": json.dumps({"html": IMG, "script": SCRIPT}),
                "opts": json.dumps({"attempts": 1, "note": IMG}),
                "timestamp": now - 2000,
                "processedOn": now - 1500,
                "finishedOn": now - 1000,
                "atm": 1,
                "failedReason": f"reason {IMG} {SCRIPT}",
                "stacktrace": json.dumps([f"Error: trace {SCRIPT}\n    at {IMG} (evil.js:1:1)"]),
            },
        )
        client.zadd(f"bull:{QUEUE}:failed", {JOB_ID: now - 1000})
        client.set(f"bull:{QUEUE}:id", JOB_ID)
        client.hset(f"bull:{QUEUE}:meta", "opts.maxLenEvents", 10000)
        client.rpush(f"{key}:logs", f"log {IMG}", f"log {SCRIPT}")
    finally:
        client.close()


def assert_inert(board: BoardPage) -> None:
    """Nothing from the payload became markup, and nothing ran."""
    page = board.page
    assert board.dialogs == []
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("img").count() == 0
    assert page.locator("b").count() == 0
    # Only the board's own external scripts (its static files and its translations catalog);
    # no inline script from a payload.
    sources = page.locator("script").evaluate_all("els => els.map(e => e.getAttribute('src'))")
    own = ("/static/queues/", "/jsi18n/")
    assert sources and all(src and src.startswith(own) for src in sources), sources
    assert page.evaluate("typeof window.alert") == "function"


@pytest.fixture
def hostile(redis_url: str) -> None:
    seed_hostile_job(redis_url)


def test_overview_and_queue_page_show_markup_as_text(board_page: BoardPage, hostile: None) -> None:
    page = board_page.page
    board_page.goto("/")
    row = page.locator("#backend-bullmq tr.qb-queue-row")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-queue", QUEUE)
    link = row.get_by_role("link", name=QUEUE, exact=True)
    expect(link).to_be_visible()
    assert_inert(board_page)

    link.click()
    expect(page.locator("h1")).to_have_text(QUEUE)
    assert QUEUE in page.title()
    expect(page.locator(".qb-breadcrumb")).to_contain_text(f"BullMQ: {QUEUE}")
    board_page.open_state_tab("Failed")
    failed_row = page.locator("#job-list tr.qb-job-row")
    expect(failed_row).to_have_count(1)
    expect(failed_row.locator(".qb-job-name")).to_have_text(f"name {IMG} {SCRIPT}")
    expect(failed_row.locator(".qb-failure")).to_contain_text(f"reason {IMG}")
    assert_inert(board_page)
    board_page.screenshot("hostile-queue")
    board_page.assert_clean()


@pytest.mark.parametrize(
    ("tab", "texts"),
    [
        ("data", [f'"html": "{IMG}"', f'"script": "{SCRIPT}"']),
        ("options", [f'"note": "{IMG}"']),
        ("logs", [f"log {IMG}", f"log {SCRIPT}"]),
        ("error", [f"reason {IMG} {SCRIPT}", f"Error: trace {SCRIPT}\n    at {IMG} (evil.js:1:1)"]),
        ("timeline", ["Added", "Failed"]),
    ],
)
def test_job_page_tabs_show_markup_as_text(
    board_page: BoardPage, hostile: None, tab: str, texts: list[str]
) -> None:
    page = board_page.page
    response = board_page.goto(f"/queue/bullmq/{quote(QUEUE)}/job/{JOB_ID}/?tab={tab}")
    assert response.status == 200
    expect(page.locator("#job-title .qb-job-name")).to_have_text(f"name {IMG} {SCRIPT}")
    assert f"name {IMG} {SCRIPT}" not in page.title() or "Job 1" in page.title()
    assert QUEUE in page.title()
    expect(page.locator("nav.qb-tabs a.qb-tab[aria-current=page]")).to_have_attribute(
        "href", f"?tab={tab}"
    )
    panel = page.locator("#job-tab-panel")
    for text in texts:
        expect(panel).to_contain_text(text)
    assert_inert(board_page)
    if tab == "error":
        board_page.screenshot("hostile-job-error")
    board_page.assert_clean()


PARENT_QUEUE = f"parent {IMG}"


def seed_hostile_child(url: str) -> None:
    """A completed job whose return value is markup, child of a job in a markup-named queue."""
    now = int(time.time() * 1000)
    client = redis.Redis.from_url(url)
    try:
        for queue in (QUEUE, PARENT_QUEUE):
            client.set(f"bull:{queue}:id", 9)
            client.hset(f"bull:{queue}:meta", "opts.maxLenEvents", 10000)
        client.hset(
            f"bull:{PARENT_QUEUE}:p1",
            mapping={"name": f"parent {SCRIPT}", "data": "{}", "opts": "{}", "timestamp": now},
        )
        client.zadd(f"bull:{PARENT_QUEUE}:waiting-children", {"p1": now})
        client.hset(
            f"bull:{QUEUE}:2",
            mapping={
                "name": "child",
                "data": "{}",
                "opts": "{}",
                "timestamp": now - 2000,
                "processedOn": now - 1500,
                "finishedOn": now - 1000,
                "returnvalue": json.dumps({"html": IMG, "script": SCRIPT}),
                "parentKey": f"bull:{PARENT_QUEUE}:p1",
                "parent": json.dumps({"id": "p1", "queueKey": f"bull:{PARENT_QUEUE}"}),
            },
        )
        client.zadd(f"bull:{QUEUE}:completed", {"2": now - 1000})
    finally:
        client.close()


def test_return_value_and_flow_parent_show_markup_as_text(
    board_page: BoardPage, redis_url: str
) -> None:
    seed_hostile_child(redis_url)
    page = board_page.page
    assert board_page.goto(f"/queue/bullmq/{quote(QUEUE)}/job/2/?tab=data").status == 200
    expect(page.locator("#job-tab-panel")).to_contain_text(f'"html": "{IMG}"')
    # The flow tree: the parent's name as its link, its queue's name beside it, as text.
    flow = page.locator("#job-flow")
    parent = flow.get_by_role("link", name=f"parent {SCRIPT}", exact=True)
    expect(parent).to_be_visible()
    expect(flow.locator(".qb-flow-queue").first).to_have_text(PARENT_QUEUE)
    assert_inert(board_page)
    # Leave only once the page is settled: the live connection's first resync fetches this page,
    # and navigating away mid-fetch aborts it (a failed request, not a fault of the page).
    page.wait_for_load_state("networkidle")
    parent.click()
    expect(page.locator("#job-title .qb-job-name")).to_have_text(f"parent {SCRIPT}")
    assert_inert(board_page)
    board_page.assert_clean()


def test_audit_entries_show_markup_as_text(board_page: BoardPage, staff_user: object) -> None:
    from django.contrib.auth.models import Permission

    from queues.models import AuditEntry

    staff_user.user_permissions.add(  # type: ignore[attr-defined]
        Permission.objects.get(content_type__app_label="queues", codename="view_auditentry")
    )
    AuditEntry.objects.create(
        username=f"user {IMG}", action="retry", backend="bullmq", queue=QUEUE,
        job_ids=[f"id {SCRIPT}"], outcome="error", message=f"message {IMG} {SCRIPT}",
    )  # fmt: skip
    page = board_page.page
    assert board_page.goto("/audit/").status == 200
    table = page.locator("table.qb-audit")
    for text in (f"user {IMG}", f"bullmq: {QUEUE}", f"id {SCRIPT}", f"message {IMG} {SCRIPT}"):
        expect(table).to_contain_text(text)
    assert_inert(board_page)
    board_page.assert_clean()
