"""The Alerts page in Chromium on a board whose live reader evaluates real rules against a
real django-tasks-db queue: the rules fire as the page is open, then the page is shot in both
themes at 390, 768 and 1440 px (/tmp/qb-shots/alerts/), fitting each width, the header's
"More" menu links it, and nothing breaks the CSP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from queues.alerts.models import AlertEvent
from tests import sample_tasks
from tests.browser.conftest import (
    DAPHNE_APP,
    ROOT,
    SHOTS,
    LiveBoard,
    database_url,
    open_board_page,
)
from tests.fixtures_tasks import run_worker
from tests.live_servers import stop_process, wait_until_answers
from tests.redis_server import free_port

pytestmark = [pytest.mark.browser]
QUEUE = "alerts-shot"
WIDTHS = (390, 768, 1440)


@pytest.fixture(scope="module")
def alerts_board(
    django_db_setup: None, redis_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveBoard]:
    """daphne serving the board with ``alerts_server_settings`` on a free port."""
    from django.db import connection

    port = free_port()
    log = tmp_path_factory.mktemp("daphne-alerts") / "daphne.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.browser.alerts_server_settings",
        "QUEUEBOARD_TEST_DATABASE_URL": database_url(connection.settings_dict),
        "QUEUEBOARD_BROWSER_REDIS_URL": redis_server.url,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), DAPHNE_APP],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    board = LiveBoard(url=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        wait_until_answers(f"{board.url}/healthz", process, board.log_tail)
        yield board
    finally:
        stop_process(process)


@pytest.fixture
def seeded(tasks_settings: Any) -> None:
    """3 failed tasks and 5 waiting ones; an older firing and resolution in the history."""
    for _ in range(3):
        sample_tasks.fail.using(queue_name=QUEUE).enqueue("planned")
    run_worker(QUEUE, worker_id="alerts-shot-worker")
    for n in range(5):
        sample_tasks.add.using(queue_name=QUEUE).enqueue(n, 1)
    for change, value in (("fired", 9.0), ("resolved", 0.0)):
        AlertEvent.objects.create(rule="backlog of the shop's e-mail queue", backend="tasks",
                                  queue=QUEUE, change=change, value=value, threshold=3)  # fmt: skip


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_alerts_page_in_both_themes_and_every_width(
    seeded: None, browser: Browser, alerts_board: LiveBoard, staff_user: Any, scheme: str
) -> None:
    out = SHOTS / "alerts"
    out.mkdir(parents=True, exist_ok=True)
    for board in open_board_page(browser, alerts_board, staff_user, color_scheme=scheme):
        # The overview open in another tab: its live socket starts the reader, which
        # evaluates the rules at once.
        viewer = board.page.context.new_page()
        viewer.goto(alerts_board.url + "/")
        board.goto("/alerts/")
        firing = board.page.locator("section.qb-alert-rule", has_text="failures").first
        events = board.page.locator("table.qb-alert-events tbody tr")
        backlog = events.filter(has_text="backlog of the shop")
        # Both rules fire in one evaluation, but their events are written one after the other:
        # a page read between the two shows one of them. Wait for both.
        for _ in range(120):
            if firing.get_by_text("Firing for 1 queue").count() and backlog.count() >= 3:
                break
            board.page.wait_for_timeout(250)
            board.goto("/alerts/")
        viewer.close()
        expect(firing.get_by_text("Firing for 1 queue")).to_be_visible()
        # The two seeded events and both rules of this queue firing (the board-wide rules may
        # add their own rows, from what other tests left).
        expect(events.filter(has_text="failures")).to_have_count(1)
        expect(events.filter(has_text="backlog of the shop")).to_have_count(3)
        for width in WIDTHS:
            board.page.set_viewport_size({"width": width, "height": 900})
            board.goto("/alerts/")
            board.page.screenshot(
                path=str(out / f"alerts-{width}-{scheme}.png"), full_page=True, caret="initial"
            )
            overflow = board.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (width, overflow)
        board.page.set_viewport_size({"width": 1440, "height": 900})
        board.goto("/")
        link = board.page.locator("#qb-board-nav a", has_text="Alerts")
        expect(link).to_have_attribute("href", "/alerts/")
        board.assert_clean()
