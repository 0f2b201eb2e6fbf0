"""Adding, duplicating and editing a job by clicking, in Chromium: the queue page's "Add job",
the form's errors (a schema's, escaped), the job page's "Duplicate" and "Edit data", and a
real worker running what was added with the data as edited."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from playwright.sync_api import Browser, expect

from tests import bullmq_producers as producers
from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant
from tests.browser.conftest import BoardPage, LiveBoard, open_board_page

pytestmark = pytest.mark.browser

Q = "forms"


@pytest.fixture
def forms_queue(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        producers.write_queue_keys(client, Q)
        producers.write_job(client, Q, "1", "wait")
    finally:
        client.close()


@pytest.fixture
def editor_page(
    transactional_db: None, browser: Browser, live_board: LiveBoard, staff_user: Any
) -> Iterator[BoardPage]:
    user = grant(staff_user, *ALL_ACTION_PERMISSIONS, "add_jobs", "edit_jobs")
    yield from open_board_page(browser, live_board, user, color_scheme="light")


def test_add_duplicate_and_edit(editor_page: BoardPage, forms_queue: None, redis_url: str) -> None:
    page = editor_page.page
    editor_page.goto(f"/queue/bullmq/{Q}/")
    page.get_by_role("link", name="Add job", exact=True).click()
    expect(page.get_by_role("heading", name="Add a job")).to_be_visible()
    page.get_by_label("Name").fill("<b>hostile</b> name")
    page.get_by_label("Data (JSON)").fill("{not json")
    page.get_by_role("button", name="Add job").click()
    expect(page.locator("#job-form-errors")).to_contain_text("data is not valid JSON")
    page.get_by_label("Data (JSON)").fill('{"to": "a@example.com"}')
    page.get_by_label("Attempts").fill("3")
    page.locator("select[name=backoff_type]").select_option("fixed")
    page.get_by_label("Backoff delay (milliseconds)").fill("250")
    page.get_by_role("button", name="Add job").click()
    expect(page.locator("#notices")).to_contain_text("added.")
    expect(page.locator("h1")).to_contain_text("<b>hostile</b> name")  # as text, not markup
    added = page.url.rstrip("/").rsplit("/", 1)[-1]

    page.get_by_role("link", name="Duplicate", exact=True).click()
    expect(page.get_by_label("Name")).to_have_value("<b>hostile</b> name")
    expect(page.get_by_label("Attempts")).to_have_value("3")
    assert json.loads(page.get_by_label("Data (JSON)").input_value()) == {"to": "a@example.com"}
    page.get_by_role("button", name="Add job").click()
    expect(page.locator("#notices")).to_contain_text("added.")
    duplicate = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert duplicate != added

    page.get_by_role("link", name="Edit data", exact=True).click()
    page.get_by_label("Data (JSON)").fill('{"to": "b@example.com", "edited": true}')
    page.get_by_role("button", name="Save data").click()
    expect(page.locator("#notices")).to_contain_text("its data changed")
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    assert json.loads(r.hget(f"bull:{Q}:{duplicate}", "data"))["edited"] is True
    opts = json.loads(r.hget(f"bull:{Q}:{added}", "opts"))
    assert opts["attempts"] == 3 and opts["backoff"] == {"type": "fixed", "delay": 250}
    editor_page.assert_clean()


def test_reschedule_and_change_priority(editor_page: BoardPage, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    now = int(time.time() * 1000)
    producers.write_queue_keys(client, Q)
    producers.write_job(client, Q, "later", "delayed", delay=3_600_000, timestamp=now)
    client.zadd(f"bull:{Q}:delayed", {"later": (now + 3_600_000) * 4096})
    producers.write_job(client, Q, "urgent", "prioritized", priority=5, timestamp=now)
    client.zadd(f"bull:{Q}:prioritized", {"urgent": 5 * 2**32})
    page = editor_page.page
    editor_page.goto(f"/queue/bullmq/{Q}/job/later/")
    when = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    page.get_by_label("Run at (UTC)").fill(when.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Reschedule").click()
    expect(page.locator("#notices")).to_contain_text("rescheduled")
    score = client.zscore(f"bull:{Q}:delayed", "later")
    assert score is not None and abs(score // 4096 / 1000 - when.timestamp()) < 2
    editor_page.goto(f"/queue/bullmq/{Q}/job/urgent/")
    page.get_by_label("Priority").fill("2")
    page.get_by_role("button", name="Change priority").click()
    expect(page.locator("#notices")).to_contain_text("priority 2")
    assert client.hget(f"bull:{Q}:urgent", "priority") == "2"
    editor_page.assert_clean()


def test_a_form_filled_in_before_the_live_snapshot_keeps_its_value(
    editor_page: BoardPage, redis_url: str
) -> None:
    """The socket's first message (the job page's snapshot, its actions included) used to
    replace the actions, and the time typed into "Run at" with them: the browser then refused
    to send the empty required field. The server's messages are held until the field is
    filled, so the snapshot always lands on a filled-in form."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    now = int(time.time() * 1000)
    producers.write_queue_keys(client, Q)
    producers.write_job(client, Q, "held", "delayed", delay=3_600_000, timestamp=now)
    client.zadd(f"bull:{Q}:delayed", {"held": (now + 3_600_000) * 4096})
    page = editor_page.page
    held: list[str | bytes] = []
    routes: list[Any] = []

    def hold(ws: Any) -> None:
        server = ws.connect_to_server()
        server.on_message(lambda message: held.append(message))
        routes.append(ws)

    page.route_web_socket("**/ws/**", hold)
    editor_page.goto(f"/queue/bullmq/{Q}/job/held/")
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert held, "the board sent no snapshot"
    when = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    page.get_by_label("Run at (UTC)").fill(when.strftime("%Y-%m-%dT%H:%M:%S"))
    page.evaluate(
        "() => { window.qbSwapped = false;"
        " document.addEventListener('htmx:after:swap', () => { window.qbSwapped = true; }); }"
    )
    for message in held:
        routes[0].send(message)
    page.wait_for_function("() => window.qbSwapped")
    expect(page.get_by_label("Run at (UTC)")).not_to_have_value("")
    page.get_by_role("button", name="Reschedule").click()
    expect(page.locator("#notices")).to_contain_text("rescheduled")
    score = client.zscore(f"bull:{Q}:delayed", "held")
    assert score is not None and abs(score // 4096 / 1000 - when.timestamp()) < 2
