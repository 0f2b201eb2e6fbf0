"""Per-queue presentation through Django's client, on queues a real Python ``bullmq`` producer
wrote: display names and descriptions (overview, sidebar, queue page; the real name still
shown), the job's link into the host application (only http(s)), the environment badge; and a
system check for each bad setting."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from bullmq import Queue
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse

from board.environment_env import environment_badge

pytestmark = pytest.mark.django_db

DISPLAY = {
    "emails": {"display_name": "E-mails <out>", "description": "Receipts & password resets"},
}


def add(url: str, queue: str, data: dict[str, Any]) -> str:
    async def produce() -> str:
        q = Queue(queue, {"connection": url, "prefix": "bull"})
        try:
            return str((await q.add("send", data)).id)
        finally:
            await q.close()

    return asyncio.run(produce())


@pytest.fixture
def shown(bullmq_settings: dict[str, Any], settings: Any, redis_url: str) -> dict[str, str]:
    options = {**bullmq_settings["OPTIONS"], "queue_display": DISPLAY}
    entry = {**bullmq_settings, "OPTIONS": options}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    return {
        "emails": add(redis_url, "emails", {"order": 42}),
        "plain": add(redis_url, "plain", {"evil": "javascript:alert(1)"}),
    }


def test_display_names_on_the_overview_sidebar_and_queue_page(
    shown: dict[str, str], staff_client: Client
) -> None:
    overview = staff_client.get(reverse("queues:overview")).content.decode()
    assert "E-mails &lt;out&gt;" in overview and "<out>" not in overview
    assert 'title="emails: Receipts &amp; password resets"' in overview
    assert "data-real-name>emails</span>" in overview
    page = staff_client.get(reverse("queues:queue", args=["bullmq", "emails"])).content.decode()
    assert '<h1 class="qb-queue-title" title="emails">E-mails &lt;out&gt;' in page
    assert '<p class="qb-queue-description">Receipts &amp; password resets</p>' in page
    sidebar = page.split('id="qb-sidebar"', 1)[1].split("</aside>", 1)[0]
    assert "E-mails &lt;out&gt;" in sidebar and 'data-name="emails e-mails &lt;out&gt;"' in sidebar
    plain = staff_client.get(reverse("queues:queue", args=["bullmq", "plain"])).content.decode()
    assert '<h1 class="qb-queue-title">plain</h1>' in plain and "qb-queue-description" not in plain


def test_the_job_links_to_the_host_application_over_http_only(
    shown: dict[str, str], staff_client: Client, settings: Any
) -> None:
    job = reverse("queues:job", args=["bullmq", "emails", shown["emails"]])
    assert "data-external-job" not in staff_client.get(job).content.decode()
    settings.QUEUEBOARD = {"EXTERNAL_JOB_URL": "tests.presentation_hooks.order_url"}
    page = staff_client.get(job).content.decode()
    assert (
        'href="https://shop.example/orders/42?queue=emails&amp;board=bullmq" '
        'rel="noopener noreferrer" target="_blank" data-external-job'
    ) in page
    evil = reverse("queues:job", args=["bullmq", "plain", shown["plain"]])
    answer = staff_client.get(evil)
    assert answer.status_code == 200 and "data-external-job" not in answer.content.decode()
    assert 'href="javascript:' not in answer.content.decode()
    settings.QUEUEBOARD = {"EXTERNAL_JOB_URL": "tests.presentation_hooks.broken"}
    answer = staff_client.get(job)
    assert answer.status_code == 200 and "data-external-job" not in answer.content.decode()


def test_the_environment_badge(staff_client: Client, settings: Any) -> None:
    assert "qb-env" not in staff_client.get(reverse("queues:overview")).content.decode()
    settings.QUEUEBOARD = {"ENVIRONMENT": {"label": "production", "color": "red"}}
    page = staff_client.get(reverse("queues:overview")).content.decode()
    assert 'class="qb-env qb-env-red"' in page and ">production</span>" in page
    settings.QUEUEBOARD = {"ENVIRONMENT": {"label": "staging", "color": "url(x)"}}
    assert "qb-env" not in staff_client.get(reverse("queues:overview")).content.decode()


def test_the_standalone_board_reads_its_environment_variables() -> None:
    assert environment_badge({}) is None
    assert environment_badge({"QUEUEBOARD_ENVIRONMENT": " staging "}) == {
        "label": "staging",
        "color": "gray",
    }
    env = {"QUEUEBOARD_ENVIRONMENT": "production", "QUEUEBOARD_ENVIRONMENT_COLOR": "Red"}
    assert environment_badge(env) == {"label": "production", "color": "red"}


def errors(wanted: str) -> list[str]:
    return [m.msg for m in run_checks(tags=["queueboard"]) if m.id == wanted]


def test_good_settings_pass(settings: Any) -> None:
    settings.QUEUEBOARD = {
        "ENVIRONMENT": {"label": "production", "color": "red"},
        "EXTERNAL_JOB_URL": "tests.presentation_hooks.order_url",
    }
    entry = {**settings.QUEUEBOARD_BACKENDS["tasks"]}
    entry["OPTIONS"] = {**entry.get("OPTIONS", {}), "queue_display": DISPLAY}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "tasks": entry}
    messages = [m for m in run_checks(tags=["queueboard"]) if m.is_serious()]
    assert messages == []


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("production", "must be None or a dict"),
        ({"label": "production", "colour": "red"}, "unknown key 'colour'"),
        ({"label": "", "color": "red"}, "'label' must be a short line"),
        ({"label": "x" * 25}, "at most 24"),
        ({"label": "prod\n", "color": "red"}, "'label' must be a short line"),
        ({"label": "production", "color": "#f00"}, "'color' must be one of red, orange"),
    ],
)
def test_a_bad_environment_is_an_error(settings: Any, value: Any, says: str) -> None:
    settings.QUEUEBOARD = {"ENVIRONMENT": value}
    (message,) = errors("queueboard.E042")
    assert says in message


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (42, "must be None or the dotted path"),
        ("tests.presentation_hooks.missing", "cannot be imported"),
        ("no_such_module.hook", "cannot be imported"),
        ("tests.presentation_hooks.not_callable", "is not callable"),
    ],
)
def test_a_bad_external_job_url_is_an_error(settings: Any, value: Any, says: str) -> None:
    settings.QUEUEBOARD = {"EXTERNAL_JOB_URL": value}
    (message,) = errors("queueboard.E043")
    assert says in message


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (["emails"], "must be a dict of queue names"),
        ({"emails": "E-mails"}, "must be a dict with 'display_name'"),
        ({"emails": {"title": "E-mails"}}, "unknown key 'title'"),
        ({"emails": {"display_name": ""}}, "must be a non-empty text"),
        ({"emails": {"display_name": 3}}, "must be a non-empty text"),
        ({"emails": {"display_name": "x" * 81}}, "at most 80"),
        ({"emails": {"display_name": "two\nlines"}}, "one line of printable characters"),
        ({"emails": {"description": "x" * 501}}, "at most 500"),
        ({3: {"display_name": "E-mails"}}, "queue names are texts"),
    ],
)
def test_a_bad_queue_display_is_an_error(settings: Any, value: Any, says: str) -> None:
    entry = {**settings.QUEUEBOARD_BACKENDS["tasks"]}
    entry["OPTIONS"] = {**entry.get("OPTIONS", {}), "queue_display": value}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "tasks": entry}
    (message,) = errors("queueboard.E041")
    assert says in message and "QUEUEBOARD_BACKENDS['tasks']" in message


def test_the_api_gives_display_names(shown: dict[str, str], staff_client: Client) -> None:
    queues = {q["name"]: q for q in staff_client.get(reverse("queues:api-queues")).json()["queues"]}
    assert queues["emails"]["display_name"] == "E-mails <out>"
    assert queues["emails"]["description"] == "Receipts & password resets"
    assert queues["plain"]["display_name"] is None and queues["plain"]["description"] is None


def test_live_rows_carry_the_display_name(shown: dict[str, str], bullmq_backend: Any) -> None:
    from queues import fragments
    from queues.backends.types import QueueSummary

    row = fragments.queue_row(
        bullmq_backend, QueueSummary(backend="bullmq", name="emails", counts={})
    )
    assert "E-mails &lt;out&gt;" in row and "data-real-name>emails<" in row
