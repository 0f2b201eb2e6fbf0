"""Numbered pagination of a job list: first, previous, a window of page numbers, next and last,
the total known from the tab's count; a search keeps its text in every link."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from django.urls import reverse

from queues.templatetags.queueboard_pages import page_numbers
from tests import bullmq_producers as producers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("current", "pages", "expected"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (5, 10, [1, 2, 3, 4, 5, 6, 7, None, 10]),
        (6, 12, [1, None, 4, 5, 6, 7, 8, None, 12]),
        (10, 10, [1, None, 8, 9, 10]),
        (4, 10, [1, 2, 3, 4, 5, 6, None, 10]),  # a gap of one page shows that page
    ],
)
def test_window_of_page_numbers(current: int, pages: int, expected: list[int | None]) -> None:
    assert page_numbers(current, pages) == expected


def pages_nav(body: str) -> str:
    found = re.search(r'<nav class="qb-pagination".*?</nav>', body, re.S)
    assert found, body[:1000]
    return found.group(0)


def links(nav: str) -> dict[str, str]:
    """rel or page number (the current one starred) -> href."""
    out = {}
    for attrs, text in re.findall(r"<a ([^>]*)>(.*?)</a>", nav, re.S):
        href = re.search(r'href="([^"]*)"', attrs)
        assert href
        rel = re.search(r'rel="(\w+)"', attrs)
        number = re.sub(r"<[^>]+>|Page|\s", "", text)
        key = rel.group(1) if rel else number + ("*" if 'aria-current="page"' in attrs else "")
        out[key] = href.group(1).replace("&amp;", "&")
    return out


@pytest.fixture
def many(bullmq_backend: Any, redis_url: str) -> list[str]:
    return asyncio.run(producers.add_jobs(redis_url, "many", 95))


def get(client: Any, **params: Any) -> str:
    url = reverse("queues:queue", args=["bullmq", "many"])
    return str(client.get(url, params).content.decode())


def test_numbered_pages_on_a_middle_page(staff_client: Any, many: list[str]) -> None:
    nav = pages_nav(get(staff_client, state="waiting", per_page=5, page=7))
    assert "Page 7 of 19 · 95 jobs" in nav
    found = links(nav)
    base = "?state=waiting&page={}&per_page=5"
    assert found == {
        "first": base.format(1),
        "prev": base.format(6),
        **{str(n): base.format(n) for n in (1, 5, 6, 8, 9, 19)},
        "7*": base.format(7),
        "next": base.format(8),
        "last": base.format(19),
    }
    assert nav.count("…") == 2
    # On a phone the pages two away give way to the gaps beside them.
    far = re.findall(r'<li class="qb-page-number qb-page-far"><a [^>]*>.*?(\d+)</a>', nav)
    assert far == ["5", "9"]


def test_far_pages_only_beside_a_gap(staff_client: Any, many: list[str]) -> None:
    nav = pages_nav(get(staff_client, state="waiting", per_page=5, page=3))  # 1 2 3 4 5 … 19
    far = re.findall(r'<li class="qb-page-number qb-page-far"><a [^>]*>.*?(\d+)</a>', nav)
    assert far == ["5"]  # 1 is the first page: never left out


def test_first_and_last_pages_have_no_links_beyond(staff_client: Any, many: list[str]) -> None:
    first = links(pages_nav(get(staff_client, state="waiting", per_page=20)))
    assert set(first) == {"1*", "2", "3", "4", "5", "next", "last"}
    assert first["last"].endswith("page=5&per_page=20")
    last = links(pages_nav(get(staff_client, state="waiting", per_page=20, page=5)))
    assert "next" not in last and "last" not in last and last["prev"].endswith("page=4&per_page=20")


def test_one_page_has_no_page_links(staff_client: Any, many: list[str]) -> None:
    nav = pages_nav(get(staff_client, state="waiting", per_page=100))
    assert "Page 1 of 1 · 95 jobs" in nav and "<a " not in nav


def test_search_keeps_its_text_in_every_link(staff_client: Any, many: list[str]) -> None:
    nav = pages_nav(get(staff_client, state="waiting", per_page=2, q="bulk"))
    found = links(nav)
    assert found["next"] == "?state=waiting&page=2&per_page=2&q=bulk"
    assert all(href.endswith("&q=bulk") for href in found.values())
    assert found["last"] == "?state=waiting&page=48&per_page=2&q=bulk"


def test_page_links_swap_the_list_with_htmx(staff_client: Any, many: list[str]) -> None:
    nav = pages_nav(get(staff_client, state="waiting", per_page=10, page=2))
    for anchor in re.findall(r"<a [^>]*>", nav):
        assert 'hx-target="#job-list"' in anchor and 'hx-push-url="true"' in anchor
