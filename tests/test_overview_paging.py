"""At many queues the overview renders one page of rows per backend (numbered pages keeping the
sort and filters), filters by a part of the name (``?q=``, either case), and shows the totals
of every queue the filters keep; its counts are still one Redis round trip. ``api/queues``
pages too (``?page=``, ``?per_page=``, ``q``), with totals and paging facts; bad values are a
400 with a message saying which."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.test import AsyncClient
from django.urls import reverse

from queues import fragments
from queues.overview import OverviewOptions
from queues.overview_paging import API_PER_PAGE, OVERVIEW_PER_PAGE, ApiPaging
from queues.sidebar import LIMIT
from queues.states import JobState
from tests import bullmq_producers as producers
from tests.fixtures_bullmq import run
from tests.test_bullmq_counts import round_trips  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)

MANY = 1500
#: Queues with failed jobs among the many: name -> failed jobs.
FAILING = {"queue-0007": 3, "queue-0420": 1, "queue-1499": 2}


def names(count: int) -> list[str]:
    return [f"queue-{n:04d}" for n in range(count)]


@pytest.fixture
def many(bullmq_settings: dict[str, Any], redis_url: str) -> Iterator[list[str]]:
    """``MANY`` queues with one waiting job each (and a few failed ones), in one pipeline."""
    r = producers.client(redis_url)
    pipe = r.pipeline(transaction=False)
    for name in names(MANY):
        producers.write_queue_keys(pipe, name)
        producers.write_job(pipe, name, "1", "wait")
    for name, failed in FAILING.items():
        for n in range(failed):
            producers.write_job(pipe, name, f"f{n}", "failed", failedReason="x", finishedOn=n + 1)
    pipe.execute()
    r.close()
    fragments._ROWS.clear()  # rows of an earlier test's Redis must not stand in for these
    yield names(MANY)


def section(body: str, alias: str = "bullmq") -> str:
    found = re.search(rf'<section class="qb-backend" id="backend-{alias}".*?</section>', body, re.S)
    assert found, body[:2000]
    return found.group(0)


def rows(body: str) -> list[str]:
    return re.findall(r'<tr class="qb-queue-row" data-queue="([^"]*)"', section(body))


def totals_row(body: str) -> str:
    found = re.search(r'<tr class="qb-queue-totals">.*?</tr>', section(body), re.S)
    assert found, section(body)[-3000:]
    return found.group(0)


def overview(client: Any, query: str = "") -> str:
    response = client.get(reverse("queues:overview") + query)
    assert response.status_code == 200, response.content[:500]
    return str(response.content.decode())


def pager_hrefs(body: str) -> list[str]:
    nav = re.search(r'<nav class="qb-pagination qb-overview-pager".*?</nav>', section(body), re.S)
    assert nav, "no pager"
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]*)"', nav.group(0))]


# -- the overview page ---------------------------------------------------------------------------


def test_a_page_of_rows_at_many_queues(staff_client: Any, many: list[str]) -> None:
    body = overview(staff_client)
    assert rows(body) == many[:OVERVIEW_PER_PAGE]
    assert body.count('class="qb-queue-row"') == OVERVIEW_PER_PAGE  # nothing else rendered
    assert " data-partial" in section(body).split(">", 1)[0]
    assert "1500 queues" in totals_row(body)
    hrefs = pager_hrefs(body)
    assert "?page=2" in hrefs and "?page=15" in hrefs  # next, a number and the last page
    assert 'aria-current="page"' in section(body)

    second = overview(staff_client, "?page=2")
    assert rows(second) == many[OVERVIEW_PER_PAGE : 2 * OVERVIEW_PER_PAGE]
    assert "?page=1" not in pager_hrefs(second) and "?" in pager_hrefs(second)  # page 1: "?"

    beyond = overview(staff_client, "?page=99")  # a section shorter than asked: its last page
    assert rows(beyond) == many[14 * OVERVIEW_PER_PAGE :]


def test_totals_cover_every_queue_kept(staff_client: Any, many: list[str]) -> None:
    from queues.backends import backends

    cells = re.findall(
        r'<td class="num[^"]*" data-label="[^"]*">(\d+)</td>', totals_row(overview(staff_client))
    )
    expected = {JobState.WAITING: MANY, JobState.FAILED: sum(FAILING.values())}
    assert cells == [str(expected.get(state, 0)) for state in backends["bullmq"].states]


def test_filter_by_name_either_case_with_sort_and_state(staff_client: Any, many: list[str]) -> None:
    body = overview(staff_client, "?q=QUEUE-001")
    assert rows(body) == [f"queue-{n:04d}" for n in range(10, 20)]
    assert "10 queues" in totals_row(body)
    assert 'value="QUEUE-001"' in body  # the box keeps the text
    assert "qb-overview-pager" not in body  # one page

    failing = overview(staff_client, "?q=queue-&state=failed&sort=failed&dir=desc")
    assert rows(failing) == ["queue-0007", "queue-1499", "queue-0420"]
    assert "3 queues" in totals_row(failing)

    none = overview(staff_client, "?q=no-such-queue")
    assert rows(none) == []
    assert "No queue matches." in section(none)


def test_pager_and_sort_links_keep_the_filters(staff_client: Any, many: list[str]) -> None:
    body = overview(staff_client, "?q=queue-0&sort=name&dir=desc&page=2")
    assert rows(body) == list(reversed(many[:1000]))[100:200]
    for href in pager_hrefs(body):
        assert "q=queue-0" in href and "dir=desc" in href, href
    sort_links = re.findall(r'<a class="qb-sort" href="([^"]*)"', section(body))
    assert sort_links and all("q=queue-0" in h and "page=" not in h for h in sort_links)


def test_a_small_board_shows_all_without_pager_or_totals(
    staff_client: Any, bullmq_settings: dict[str, Any], redis_url: str
) -> None:
    r = producers.client(redis_url)
    for name in names(3):
        producers.write_queue_keys(r, name)
    r.close()
    body = overview(staff_client)
    assert rows(body) == names(3)
    assert "qb-overview-pager" not in body and "qb-queue-totals" not in body
    assert " data-partial" not in section(body).split(">", 1)[0]


def test_the_overview_is_one_round_trip_at_many_queues(
    staff_user: Any,
    bullmq_backend: Any,
    many: list[str],
    round_trips: list[int],  # noqa: F811
) -> None:
    """In one event loop, as a server runs: the connection open and the queues found by the
    first requests, a page of a filtered overview reads Redis once (the counts script)."""
    client = AsyncClient()
    client.force_login(staff_user)
    path = reverse("queues:overview")

    async def measure() -> tuple[int, str]:
        await client.get(path)  # connects, finds the queues, reads CLIENT LIST once
        await client.get(path + "?page=3")
        before = round_trips[0]
        response = await client.get(path + "?page=7&q=queue")
        assert response.status_code == 200
        return round_trips[0] - before, response.content.decode()

    trips, body = run(bullmq_backend, measure())
    assert trips == 1
    assert rows(body) == many[600:700]


def test_the_sidebar_stays_bounded(staff_client: Any, many: list[str]) -> None:
    body = overview(staff_client)
    sidebar = body[body.index('id="qb-sidebar"') :]
    assert sidebar.count("<li data-name=") == LIMIT
    assert re.search(r"\d+ more queues not listed", sidebar)


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("?page=0", "page must be 1 or more."),
        ("?page=-3", "page must be 1 or more."),
        ("?page=two", "page must be a whole number"),
        ("?page=99999999999", "page must be at most"),
        ("?q=" + "x" * 201, "at most 200 characters"),
        ("?q=a%00b", "NUL"),
    ],
)
def test_bad_page_or_filter_is_a_400(
    staff_client: Any, bullmq_settings: dict[str, Any], query: str, says: str
) -> None:
    response = staff_client.get(reverse("queues:overview") + query)
    assert response.status_code == 400
    assert says in response.content.decode()


# -- api/queues ----------------------------------------------------------------------------------


def api(client: Any, query: str = "") -> dict[str, Any]:
    response = client.get(reverse("queues:api-queues") + query)
    assert response.status_code == 200, response.content[:500]
    return dict(json.loads(response.content))


def bullmq_names(answer: dict[str, Any]) -> list[str]:
    return [q["name"] for q in answer["queues"] if q["backend"] == "bullmq"]


def test_api_pages(staff_client: Any, many: list[str]) -> None:
    first = api(staff_client)
    assert first["problems"] == [] and first["page"] == 1 and first["per_page"] == API_PER_PAGE
    total = first["total"]
    assert total >= MANY and first["pages"] == 2  # the tasks backend's queues come first
    assert len(first["queues"]) == API_PER_PAGE
    assert first["next"] == reverse("queues:api-queues") + f"?page=2&per_page={API_PER_PAGE}"
    rest = api(staff_client, "?page=2")
    assert len(rest["queues"]) == total - API_PER_PAGE and rest["next"] is None
    assert bullmq_names(first) + bullmq_names(rest) == many

    bullmq = first["totals"]["backends"]["bullmq"]
    assert bullmq["queues"] == MANY
    assert bullmq["counts"]["waiting"] == MANY
    assert bullmq["counts"]["failed"] == sum(FAILING.values())
    assert first["totals"]["queues"] == total
    assert first["totals"]["counts"]["failed"] >= sum(FAILING.values())

    small = api(staff_client, "?per_page=50&page=3&q=QUEUE-0")
    assert small["total"] == 1000 and small["pages"] == 20
    assert bullmq_names(small) == many[100:150]
    assert small["next"].endswith("?page=4&per_page=50&q=QUEUE-0")
    assert small["totals"]["backends"]["bullmq"]["queues"] == 1000

    past = api(staff_client, "?page=40&per_page=50")
    assert past["queues"] == [] and past["page"] == 40 and past["next"] is None


def test_api_of_a_few_queues_lists_them_all(
    staff_client: Any, bullmq_settings: dict[str, Any], redis_url: str
) -> None:
    r = producers.client(redis_url)
    for name in names(3):
        producers.write_queue_keys(r, name)
    r.close()
    answer = api(staff_client)
    assert bullmq_names(answer) == names(3)
    assert answer["pages"] == 1 and answer["next"] is None
    assert answer["total"] == len(answer["queues"])


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("?page=0", "page must be 1 or more."),
        ("?per_page=0", "per_page must be 1 or more."),
        ("?per_page=1001", "per_page must be at most 1000."),
        ("?per_page=many", "per_page must be a whole number"),
        ("?q=" + "y" * 201, "at most 200 characters"),
    ],
)
def test_api_bad_paging_is_a_400(
    staff_client: Any, bullmq_settings: dict[str, Any], query: str, says: str
) -> None:
    response = staff_client.get(reverse("queues:api-queues") + query)
    assert response.status_code == 400
    error = json.loads(response.content)["error"]
    assert error["code"] == "bad_request" and says in error["message"]


# -- the options -----------------------------------------------------------------------------------


def test_options_query_keeps_filters_and_drops_the_page() -> None:
    options = OverviewOptions.from_query({"q": " Mail ", "page": "4", "state": "failed"})
    assert options.q == "Mail" and options.page == 4
    assert options.query() == "?state=failed&q=Mail"
    assert options.query(page=5) == "?state=failed&q=Mail&page=5"
    assert options.query(page=1) == "?state=failed&q=Mail"
    assert OverviewOptions.from_query({"page": "3"}).is_default  # a page is not a choice
    assert not OverviewOptions.from_query({"q": "x"}).is_default


def test_api_paging_query() -> None:
    paging = ApiPaging.from_query({"per_page": "10", "q": "a b"})
    assert paging.query(2) == "page=2&per_page=10&q=a+b"


def test_fixture_writes_in_one_pipeline(redis_url: str, many: list[str]) -> None:
    r = redis.Redis.from_url(redis_url)
    assert r.llen("bull:queue-1499:wait") == 1 and r.zcard("bull:queue-0007:failed") == 3
    r.close()
