"""The overview sorts by name or any state's count (kept in the URL, done on the server), shows
only queues with jobs in a state, and groups queues by a name delimiter (a checked setting)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.checks import run_checks
from django.urls import reverse

from tests import bullmq_producers as producers

pytestmark = pytest.mark.django_db(transaction=True)

#: queue -> (waiting, failed)
QUEUES = {
    "billing.invoices": (3, 1),
    "billing.refunds": (0, 4),
    "emails": (5, 0),
    "reports": (1, 2),
    "zeta.only": (2, 0),
}


@pytest.fixture
def seeded(bullmq_settings: dict[str, Any], redis_url: str) -> None:
    r = producers.client(redis_url)
    try:
        for queue, (waiting, failed) in QUEUES.items():
            producers.write_queue_keys(r, queue)
            for n in range(waiting):
                producers.write_job(r, queue, f"w{n}", "wait")
            for n in range(failed):
                producers.write_job(r, queue, f"f{n}", "failed", failedReason="x", finishedOn=n + 1)
    finally:
        r.close()


def section(body: str, alias: str = "bullmq") -> str:
    found = re.search(rf'<section class="qb-backend" id="backend-{alias}".*?</section>', body, re.S)
    assert found, body[:2000]
    return found.group(0)


def rows(body: str) -> list[str]:
    return re.findall(r'<tr class="qb-queue-row" data-queue="([^"]*)"', section(body))


def overview(client: Any, query: str = "") -> str:
    response = client.get(reverse("queues:overview") + query)
    assert response.status_code == 200, response.content[:500]
    return str(response.content.decode())


def test_by_name_by_default(staff_client: Any, seeded: None) -> None:
    body = overview(staff_client)
    assert rows(body) == sorted(QUEUES)
    assert 'aria-sort="ascending"><a class="qb-sort" href="?dir=desc&amp;sort=name"' in body or (
        'aria-sort="ascending"><a class="qb-sort" href="?sort=name&amp;dir=desc"' in body
    )


def test_by_a_count_either_way(staff_client: Any, seeded: None) -> None:
    failed_desc = rows(overview(staff_client, "?sort=failed&dir=desc"))
    assert failed_desc == ["billing.refunds", "reports", "billing.invoices", "emails", "zeta.only"]
    waiting_asc = rows(overview(staff_client, "?sort=waiting&dir=asc"))
    assert waiting_asc == ["billing.refunds", "reports", "zeta.only", "billing.invoices", "emails"]
    name_desc = rows(overview(staff_client, "?sort=name&dir=desc"))
    assert name_desc == sorted(QUEUES, reverse=True)


def test_headings_link_to_their_sort(staff_client: Any, seeded: None) -> None:
    body = overview(staff_client, "?sort=failed&dir=desc")
    heading = re.search(
        r'<th scope="col" class="num state-failed"([^>]*)><a class="qb-sort" href="([^"]*)"',
        section(body),
    )
    assert heading and heading.group(1) == ' aria-sort="descending"'
    assert heading.group(2).replace("&amp;", "&") == "?sort=failed&dir=asc"  # the other way
    waiting = re.search(r'class="num state-waiting"><a class="qb-sort" href="([^"]*)"', body)
    assert waiting and waiting.group(1).replace("&amp;", "&") == "?sort=waiting&dir=desc"
    assert '<option value="failed" selected>' in body  # the select says it too


def test_state_filter(staff_client: Any, seeded: None) -> None:
    body = overview(staff_client, "?state=failed")
    assert rows(body) == ["billing.invoices", "billing.refunds", "reports"]
    assert "Only queues with failed jobs: 2 more left out." in section(body)
    sorted_too = rows(overview(staff_client, "?state=waiting&sort=waiting&dir=desc"))
    assert sorted_too == ["emails", "billing.invoices", "zeta.only", "reports"]
    none = overview(staff_client, "?state=active")
    assert rows(none) == [] and "No queue has active jobs (5 queues left out)." in section(none)


def test_a_state_the_backend_lacks(staff_client: Any, seeded: None) -> None:
    body = overview(staff_client, "?state=paused")  # legacy BullMQ only: not Django Tasks
    assert "This backend has no paused state." in section(body, "tasks")


@pytest.mark.parametrize("query", ["?sort=size", "?dir=sideways", "?state=lost"])
def test_unknown_values_are_refused(staff_client: Any, seeded: None, query: str) -> None:
    response = staff_client.get(reverse("queues:overview") + query)
    assert response.status_code == 400


def groups(body: str) -> list[tuple[str | None, list[str]]]:
    out = []
    for tbody in re.findall(r"<tbody.*?</tbody>", section(body), re.S):
        label = re.search(r'<span class="qb-group-name" title="[^"]*">([^<]*)</span>', tbody)
        names = re.findall(r'<tr class="qb-queue-row" data-queue="([^"]*)"', tbody)
        out.append((label.group(1) if label else None, names))
    return out


def test_no_groups_by_default(staff_client: Any, seeded: None) -> None:
    assert groups(overview(staff_client)) == [(None, sorted(QUEUES))]


def test_grouped_by_a_delimiter(staff_client: Any, seeded: None, settings: Any) -> None:
    settings.QUEUEBOARD = {"GROUP_DELIMITER": "."}
    body = overview(staff_client)
    # "zeta.only" is alone in its part: no group of one.
    assert groups(body) == [
        (None, ["emails", "reports", "zeta.only"]),
        ("billing", ["billing.invoices", "billing.refunds"]),
    ]
    assert '<span class="qb-group-size">2 queues</span>' in body
    by_failed = groups(overview(staff_client, "?sort=failed&dir=desc"))
    assert by_failed == [
        (None, ["reports", "emails", "zeta.only"]),
        ("billing", ["billing.refunds", "billing.invoices"]),
    ]
    settings.QUEUEBOARD = {"GROUP_DELIMITER": ":"}
    assert groups(overview(staff_client)) == [(None, sorted(QUEUES))]


@pytest.mark.parametrize("value", ["", " . ", 3, "x" * 9, "\n"])
def test_a_bad_delimiter_fails_the_checks(settings: Any, value: object) -> None:
    settings.QUEUEBOARD = {"GROUP_DELIMITER": value}
    errors = [m for m in run_checks(tags=["queueboard"]) if m.id == "queueboard.E020"]
    assert len(errors) == 1 and "GROUP_DELIMITER" in errors[0].msg


@pytest.mark.parametrize("value", [None, ".", ":", "::", "/"])
def test_good_delimiters_pass(settings: Any, value: object) -> None:
    settings.QUEUEBOARD = {"GROUP_DELIMITER": value}
    assert [m for m in run_checks(tags=["queueboard"]) if m.id == "queueboard.E020"] == []
