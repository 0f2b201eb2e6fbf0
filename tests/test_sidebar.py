"""The queue sidebar on the overview, queue and job pages: every visible queue grouped by backend,
its failed count, the current queue marked; read from the overview's counts in one round trip
per backend, bounded in size."""

from __future__ import annotations

import re
from typing import Any

import pytest
import redis
from django.urls import reverse

from queues.backends.types import QueueSummary
from queues.sidebar import build_sidebar
from queues.states import JobState
from tests import bullmq_producers as producers

pytestmark = pytest.mark.django_db(transaction=True)


def sidebar_of(body: str) -> str:
    found = re.search(r'<aside id="qb-sidebar".*?</aside>', body, re.S)
    assert found, body[:1500]
    return found.group(0)


def entries(sidebar: str) -> list[tuple[str, str, bool]]:
    """(name, failed count, current) of each listed queue, in order."""
    rows = re.findall(
        r'<li data-name="[^"]*"><a href="[^"]*" title="([^"]*)"( aria-current="page")?>'
        r'<span class="qb-sidebar-name">[^<]*</span>'
        r'(?:<span id="qb-sc-[0-9a-f]+" class="qb-sidebar-count[^"]*" title="[^"]*">(\d+))?',
        sidebar,
    )
    return [(name, count, bool(current)) for name, current, count in rows]


def seed(url: str, failed: dict[str, int]) -> None:
    for queue, count in failed.items():
        for n in range(count):
            producers.write_failed_job(url, queue, str(n + 1), "send")
        if not count:
            r = producers.client(url)
            producers.write_queue_keys(r, queue)
            producers.write_job(r, queue, "1", "wait")
            r.close()


def test_queue_page_lists_every_queue_with_its_failed_count(
    staff_client: Any, bullmq_settings: dict[str, Any], redis_url: str
) -> None:
    seed(redis_url, {"emails": 2, "billing.invoices": 0, "zeta": 1})
    body = staff_client.get(reverse("queues:queue", args=["bullmq", "emails"])).content.decode()
    sidebar = sidebar_of(body)
    assert '<h3 class="qb-sidebar-backend" id="qb-sidebar-bullmq">BullMQ</h3>' in sidebar
    assert entries(sidebar)[:3] == [
        ("billing.invoices", "0", False),
        ("emails", "2", True),
        ("zeta", "1", False),
    ]
    assert 'class="qb-sidebar-count state-failed has-jobs" title="2 failed jobs"' in sidebar
    assert "data-sidebar-menu" in body  # the compact menu's button in the header
    assert 'aria-keyshortcuts="/"' in sidebar


def test_job_page_and_overview_show_it(
    staff_client: Any, bullmq_settings: dict[str, Any], redis_url: str
) -> None:
    seed(redis_url, {"emails": 1, "other": 0})
    job = staff_client.get(reverse("queues:job", args=["bullmq", "emails", "1"])).content.decode()
    assert ("emails", "1", True) in entries(sidebar_of(job))
    overview = staff_client.get(reverse("queues:overview")).content.decode()
    listed = entries(sidebar_of(overview))
    assert ("emails", "1", False) in listed and ("other", "0", False) in listed


def test_hidden_queues_are_not_listed(
    client: Any, django_user_model: Any, bullmq_settings: dict[str, Any], redis_url: str,
    settings: Any,
) -> None:  # fmt: skip
    settings.QUEUEBOARD = {"ACCESS": "tests.access_rules.members_of_ops"}
    client.force_login(django_user_model.objects.create_user("s", is_staff=True))
    seed(redis_url, {"emails": 1, "secret": 3})
    body = client.get(reverse("queues:queue", args=["bullmq", "emails"])).content.decode()
    names = [name for name, _, _ in entries(sidebar_of(body))]
    assert "emails" in names and "secret" not in names
    assert 'data-name="secret"' not in body


def test_a_list_swap_does_not_read_or_render_it(
    staff_client: Any, bullmq_settings: dict[str, Any], redis_url: str
) -> None:
    seed(redis_url, {"emails": 1})
    url = reverse("queues:queue", args=["bullmq", "emails"]) + "?state=failed"
    body = staff_client.get(url, headers={"HX-Request": "true", "HX-Target": "job-list"})
    assert body.status_code == 200 and "qb-sidebar" not in body.content.decode()


def test_counts_are_the_overviews_snapshot(
    staff_client: Any, bullmq_settings: dict[str, Any], redis_url: str, settings: Any
) -> None:
    """With COUNTS_CACHE_SECONDS the sidebar shows the overview's snapshot: it adds no read."""
    settings.QUEUEBOARD = {"COUNTS_CACHE_SECONDS": 60}
    seed(redis_url, {"emails": 1, "other": 1})
    staff_client.get(reverse("queues:overview"))
    producers.write_failed_job(redis_url, "other", "2", "send")  # not through the board
    body = staff_client.get(reverse("queues:queue", args=["bullmq", "emails"])).content.decode()
    assert ("other", "1", False) in entries(sidebar_of(body))


def commands(url: str) -> int:
    r = redis.Redis.from_url(url)
    try:
        stats = r.info("commandstats")
        return sum(int(v["calls"]) for k, v in stats.items() if k != "cmdstat_info")
    finally:
        r.close()


def page_commands(client: Any, url: str, path: str) -> int:
    r = redis.Redis.from_url(url)
    r.config_resetstat()
    r.close()
    assert client.get(path).status_code == 200
    return commands(url)


def test_sidebar_reads_do_not_grow_with_the_number_of_queues(
    staff_client: Any, bullmq_settings: dict[str, Any], redis_url: str, settings: Any
) -> None:
    """Once the overview has read the counts, a queue page costs as many Redis commands with
    40 other queues as with 2: the sidebar reads nothing queue by queue."""
    settings.QUEUEBOARD = {"COUNTS_CACHE_SECONDS": 60}
    names = ["emails", *(f"q-{n}" for n in range(40))]
    seed(redis_url, {name: n % 2 for n, name in enumerate(names)})
    path = reverse("queues:queue", args=["bullmq", "emails"])
    costs = []
    for listed in (names[:3], names):
        entry = {**bullmq_settings, "OPTIONS": {**bullmq_settings["OPTIONS"], "queues": listed}}
        settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
        staff_client.get(reverse("queues:overview"))
        costs.append(page_commands(staff_client, redis_url, path))
        body = staff_client.get(path).content.decode()
        assert len([e for e in entries(sidebar_of(body)) if e[0] in names]) == len(listed)
    assert costs[0] == costs[1]


def summaries(backend: str, count: int) -> list[QueueSummary]:
    return [QueueSummary(backend, f"q{n:04d}", {JobState.FAILED: n}) for n in range(count)]


def test_bounded_to_the_limit_and_says_how_many_more(bullmq_backend: Any) -> None:
    from queues.reading import BackendSection

    sections = [BackendSection(bullmq_backend, summaries("bullmq", 12))]
    sidebar = build_sidebar(sections, ("bullmq", "q0003"), limit=5)
    assert sidebar.shown == 5 and sidebar.more == 7
    assert [e.name for e in sidebar.groups[0].entries] == [f"q{n:04d}" for n in range(5)]
    assert [e.current for e in sidebar.groups[0].entries] == [False, False, False, True, False]


def test_the_rest_is_said_on_the_page(
    staff_client: Any, bullmq_settings: dict[str, Any], redis_url: str, monkeypatch: Any
) -> None:
    monkeypatch.setattr("queues.sidebar.LIMIT", 2)
    seed(redis_url, {"a": 1, "b": 1, "c": 1, "d": 0})
    body = staff_client.get(reverse("queues:queue", args=["bullmq", "a"])).content.decode()
    sidebar = sidebar_of(body)
    assert len(entries(sidebar)) == 2
    assert "2 more queues not listed" in sidebar
