"""Every page holds from a phone to a wide screen, light and dark, in Chromium.

At 390, 768 and 1440 px, each page type (overview, queue pages of BullMQ and Django Tasks with
long ids, names and failures, job pages with a big payload and a stack trace, audit log, a
confirmation, a bulk run, an error page, the login page) is checked for: no sideways scroll,
no element wider than the viewport (except inside what scrolls by itself: code blocks, log
lines, the tab row), a short header, ids, names and numbers on one line, WCAG AA contrast of
every text as drawn, every control reachable by keyboard and in view, and a clean console (the
Content-Security-Policy holds). Screenshots go to ``/tmp/qb-shots/responsive/``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser

from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant
from tests.browser import board_showcase, flow_showcase, schedule_showcase, showcase
from tests.browser.conftest import SHOTS, BoardPage, LiveBoard, open_board_page, watched_page

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
LAYOUT = (HERE / "layout_checks.js").read_text(encoding="utf-8")
CONTRAST = (HERE / "contrast_checks.js").read_text(encoding="utf-8")
#: The browser's language (``QUEUEBOARD_TEST_LOCALE=de-DE``: the pages in German, whose words
#: are longer); screenshots then end in the locale.
LOCALE = os.environ.get("QUEUEBOARD_TEST_LOCALE", "")
WIDTHS = (390, 768, 1440)
USERNAME = "operator-with-a-rather-long-user-name"
#: Tab presses walked through a page; enough to pass the header and a page of controls.
TAB_STOPS = 40
SCHEDULE_PERMISSIONS = ("run_schedules", "change_schedules", "remove_schedules")


def seed_runs_and_audit(user: Any) -> str:
    """A finished bulk run and audit entries with long ids and messages; the run's id."""
    from queues.models import AuditEntry, BulkRun

    run = BulkRun.objects.create(
        action="retry-all", backend="bullmq", queue=showcase.QUEUE, status="finished",
        expected=13, done=11, skipped=2, batches=1, user=user, username=user.username,
        message="Retried 11 jobs; 2 had moved on.",
    )  # fmt: skip
    for _ in range(3):
        AuditEntry.objects.create(
            username=user.username, action="retry", backend="bullmq", queue=showcase.QUEUE,
            job_ids=[showcase.LONG_ID, *map(str, range(1, 8))], affected=8, outcome="ok",
            message=f"Retried 8 jobs; {showcase.FAILURE}", run_id=str(run.pk),
        )  # fmt: skip
    # Each outcome's label: a skip (the job had moved on), an error, a run still going.
    for outcome, message in (("skipped", "Job 16 is no longer failed; it is now waiting."),
                             ("error", "Redis at 127.0.0.1 did not answer."),
                             ("started", "Started on 13 job(s).")):  # fmt: skip
        AuditEntry.objects.create(
            username=user.username, action="retry", backend="bullmq", queue=showcase.QUEUE,
            job_ids=[showcase.FAILED_ID], outcome=outcome, message=message,
        )  # fmt: skip
    return str(run.pk)


def schedule_path(schedule_id: str) -> str:
    segment = schedule_id.replace("%", "%25").replace("/", "%2F")  # as queues.converters
    return f"/queue/bullmq/{showcase.QUEUE}/schedules/{quote(segment, safe='')}/"


def job_path(queue: str, job_id: str, tab: str | None = None) -> str:
    path = f"/queue/bullmq/{quote(queue)}/job/{quote(job_id, safe='')}/"
    return path + (f"?tab={tab}" if tab else "")


#: Page type -> (what it needs seeded, its path given the seeded ids).
PAGES: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    "overview": ("all", lambda ids: "/"),
    "overview-sorted": ("all", lambda ids: "/?sort=failed&dir=desc&state=waiting"),
    "queue-failed": ("bullmq", lambda ids: f"/queue/bullmq/{showcase.QUEUE}/?state=failed"),
    "queue-active": ("bullmq", lambda ids: f"/queue/bullmq/{showcase.QUEUE}/?state=active"),
    "queue-read-only": ("bullmq", lambda ids: f"/queue/bullmq/{showcase.LONG_QUEUE}/"),
    "queue-pages": (
        "bullmq",
        lambda ids: f"/queue/bullmq/{showcase.QUEUE}/?state=failed&per_page=2&page=4",
    ),
    "tasks-failed": ("all", lambda ids: f"/queue/tasks/{showcase.TASKS_QUEUE}/?state=failed"),
    "job-data": ("bullmq", lambda ids: job_path(showcase.QUEUE, showcase.BIG_ID, "data")),
    "job-error": ("bullmq", lambda ids: job_path(showcase.QUEUE, showcase.LONG_ID)),
    "job-logs": ("bullmq", lambda ids: job_path(showcase.QUEUE, showcase.FAILED_ID, "logs")),
    "job-retried": ("bullmq", lambda ids: job_path(showcase.QUEUE, showcase.RETRIED_ID, "error")),
    "job-options": ("bullmq", lambda ids: job_path(showcase.QUEUE, showcase.RETRIED_ID, "options")),
    "job-progress": ("bullmq", lambda ids: job_path(showcase.QUEUE, showcase.PROGRESS_ID, "data")),
    "queue-delayed": ("bullmq", lambda ids: f"/queue/bullmq/{showcase.QUEUE}/?state=delayed"),
    "job-flow": ("flow", lambda ids: job_path(showcase.QUEUE, flow_showcase.LEAF_ID)),
    "audit": ("bullmq", lambda ids: "/audit/"),
    "schedules": ("schedules", lambda ids: "/schedules/"),
    "schedule": ("schedules", lambda ids: schedule_path(schedule_showcase.DAILY_ID)),
    "schedule-odd": ("schedules", lambda ids: schedule_path(schedule_showcase.ODD_ID)),
    "queue-schedules": ("schedules", lambda ids: f"/queue/bullmq/{showcase.QUEUE}/schedules/"),
    "queue-health": ("bullmq", lambda ids: f"/queue/bullmq/{showcase.QUEUE}/health/"),
    "add-job": ("bullmq", lambda ids: f"/queue/bullmq/{showcase.QUEUE}/add-job"),
    "add-job-duplicate": (
        "bullmq",
        lambda ids: f"/queue/bullmq/{showcase.QUEUE}/add-job?from={quote(showcase.LONG_ID)}",
    ),
    "add-job-tasks": ("all", lambda ids: f"/queue/tasks/{showcase.TASKS_QUEUE}/add-job"),
    "job-edit": ("bullmq", lambda ids: job_path(showcase.QUEUE, showcase.WAITING_ID) + "edit"),
    "job-delayed": ("bullmq", lambda ids: job_path(showcase.QUEUE, "31")),
    "confirm": ("bullmq", lambda ids: f"/queue/bullmq/{showcase.QUEUE}/retry-all?state=failed"),
    "failure-groups": ("bullmq", lambda ids: f"/queue/bullmq/{showcase.QUEUE}/failure-groups/"),
    "failures": ("all", lambda ids: "/failures/"),
    "run": ("bullmq", lambda ids: f"/runs/{ids['run']}/"),
    "queue-latest": ("bullmq", lambda ids: f"/queue/bullmq/{showcase.QUEUE}/latest/"),
    "obliterate": ("bullmq", lambda ids: f"/queue/bullmq/{showcase.QUEUE}/obliterate"),
    "board-confirm": ("bullmq", lambda ids: "/board/retry-failed"),
    "board-run": ("bullmq", lambda ids: f"/board/runs/{ids['board_run']}/"),
    "queue-limits": ("bullmq", lambda ids: f"/queue/bullmq/{showcase.QUEUE}/limits/"),
    "server": ("bullmq", lambda ids: "/server/bullmq/"),
    "not-found": ("bullmq", lambda ids: "/queue/bullmq/no-such-queue-at-all/"),
    "login": ("none", lambda ids: "/login/"),
}


@pytest.fixture
def operator(django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user(USERNAME, password="pw", is_staff=True)
    return grant(user, *ALL_ACTION_PERMISSIONS, "add_jobs", "edit_jobs", "change_concurrency")


@pytest.fixture(params=["light", "dark"])
def scheme(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def shown(
    request: pytest.FixtureRequest,
    scheme: str,
    transactional_db: None,
    browser: Browser,
    live_board: LiveBoard,
    redis_url: str,
    operator: Any,
) -> Iterator[tuple[str, BoardPage, dict[str, Any]]]:
    """The page type under test, seeded, and a page of the operator (none for the login page)."""
    page_type = request.param
    needs = PAGES[page_type][0]
    ids: dict[str, Any] = {}
    if needs in ("bullmq", "all", "flow"):
        showcase.seed_bullmq(redis_url)
        ids["run"] = seed_runs_and_audit(operator)
        ids["board_run"] = board_showcase.seed_board_run(operator)
        grant(operator, "obliterate_queues")
    if needs == "schedules":
        showcase.seed_bullmq(redis_url)
        schedule_showcase.seed_schedules(redis_url)
        grant(operator, *SCHEDULE_PERMISSIONS)
    if needs == "flow":
        flow_showcase.seed_flow(redis_url)
    if needs == "all":
        request.getfixturevalue("tasks_settings")
        ids["tasks"] = showcase.seed_tasks()
    options: dict[str, Any] = {
        "color_scheme": scheme,
        "viewport": {"width": WIDTHS[0], "height": 900},
    }
    if LOCALE:
        options["locale"] = LOCALE
    if needs == "none":
        context = browser.new_context(**options)
        try:
            yield page_type, watched_page(context.new_page(), live_board.url), ids
        finally:
            context.close()
    else:
        for board in open_board_page(browser, live_board, operator, **options):
            yield page_type, board, ids


def walk_by_keyboard(board: BoardPage) -> list[str]:
    """Tab through the page from its top: every control reached is drawn and in view across."""
    page = board.page
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.click(1, 1)  # a neutral start: focus from the document's top
    problems, reached = [], set()
    width = page.viewport_size["width"] if page.viewport_size else 0
    for _ in range(TAB_STOPS):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el || el === document.body) return null;
                const r = el.getBoundingClientRect();
                return {what: el.tagName.toLowerCase() + (el.className ? "." + el.className : ""),
                        text: (el.textContent || el.getAttribute("aria-label") || "").trim(),
                        left: r.left, right: r.right, width: r.width, height: r.height};
            }"""
        )
        if focused is None:
            continue
        reached.add(focused["what"])
        if focused["width"] == 0 or focused["height"] == 0:
            problems.append(f"focus on an undrawn {focused['what']} {focused['text'][:30]!r}")
        elif focused["left"] < -1 or focused["right"] > width + 1:
            what = f"{focused['what']} {focused['text'][:30]!r}"
            problems.append(f"focus outside the viewport: {what}")
    if not reached:
        problems.append("Tab reaches nothing")
    return problems


def console_problems(board: BoardPage, page_type: str) -> list[str]:
    """Console errors and uncaught exceptions (a CSP violation is one); the 404 page's own
    status line is the browser's note about the answer, not an error of the page."""
    errors = board.console_errors
    if page_type == "not-found":
        errors = [e for e in errors if "status of 404" not in e]
    return errors + board.page_errors + board.failed_requests


PAGE_TYPES = list(PAGES)


def check_widths(
    shown: tuple[str, BoardPage, dict[str, Any]], scheme: str, widths: tuple[int, ...]
) -> None:
    """Load the page at each width: screenshot it, then check its layout, contrast and
    keyboard walk; fail with everything found."""
    page_type, board, ids = shown
    page = board.page
    path = PAGES[page_type][1](ids)
    (SHOTS / "responsive").mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        response = board.goto(path)
        assert response is not None
        expected = 404 if page_type == "not-found" else 200
        assert response.status == expected, (page_type, response.status)
        if page_type == "overview" or page_type.startswith(("queue-", "tasks-")):
            page.wait_for_load_state("networkidle")  # the live status settled in the header
        if page_type == "job-flow":
            page.locator("#job-flow .qb-flow-tree").wait_for()  # loaded after the page
        board.screenshot(f"responsive/{page_type}-{width}-{scheme}{'-' + LOCALE if LOCALE else ''}")
        found = page.evaluate(LAYOUT, max_header(width))
        found += page.evaluate(CONTRAST)
        found += walk_by_keyboard(board)
        failures += [f"{width} px: {problem}" for problem in found]
    failures += console_problems(board, page_type)
    assert failures == [], "\n".join(failures)
    assert board.foreign_requests() == []


def max_header(width: int) -> int:
    """The header's tallest: two short rows below 64rem (1024 px), one row above."""
    return 120 if width < 1024 else 64


@pytest.mark.parametrize("shown", list(PAGES), indirect=True)
def test_page_holds_at_every_width(
    shown: tuple[str, BoardPage, dict[str, Any]], scheme: str
) -> None:
    check_widths(shown, scheme, WIDTHS)


@pytest.mark.parametrize("scheme", ["light"], indirect=True)
@pytest.mark.parametrize("shown", ["overview", "queue-failed", "job-error"], indirect=True)
def test_densest_pages_hold_at_the_extremes(
    shown: tuple[str, BoardPage, dict[str, Any]], scheme: str
) -> None:
    """The narrowest phone (360 px) and a wide screen (2560 px)."""
    check_widths(shown, scheme, (360, 2560))
