"""The overview's live socket carries the page's query (``ws/?page=2``): it sends the rows of
that page only, and keeps them up to date from real BullMQ events."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from bullmq import Queue
from django.urls import reverse

from queues.overview_paging import OVERVIEW_PER_PAGE
from tests import bullmq_producers as producers
from tests.bullmq_producers import opts
from tests.live_helpers import (
    communicator,
    content,
    receive_until,
    session_cookie,
    stop_live,
    use_live,
)

pytestmark = pytest.mark.django_db(transaction=True)

COUNT = OVERVIEW_PER_PAGE + 50


def names() -> list[str]:
    return [f"queue-{n:04d}" for n in range(COUNT)]


@pytest.fixture
def live_many(settings: Any, bullmq_settings: dict[str, Any], redis_url: str) -> list[str]:
    use_live(settings)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    r = producers.client(redis_url)
    pipe = r.pipeline(transaction=False)
    for name in names():
        producers.write_queue_keys(pipe, name)
        producers.write_job(pipe, name, "1", "wait")
    pipe.execute()
    r.close()
    return names()


def rows_in(text: str) -> list[str]:
    return re.findall(r'<tr class="qb-queue-row" data-queue="([^"]*)"', text)


def test_the_page_links_its_socket_with_its_query(staff_client: Any, live_many: list[str]) -> None:
    body = staff_client.get(reverse("queues:overview") + "?page=2&q=queue").content.decode()
    assert 'hx-ws:connect="/ws/?q=queue&amp;page=2"' in body
    first = staff_client.get(reverse("queues:overview")).content.decode()
    assert 'hx-ws:connect="/ws/"' in first


def test_a_page_socket_sends_and_updates_its_rows_only(
    staff_user: Any, live_many: list[str], redis_url: str
) -> None:
    cookie = session_cookie(staff_user)
    on_second = live_many[OVERVIEW_PER_PAGE + 20]

    async def scenario() -> tuple[list[str], list[str], str]:
        second = communicator("/ws/?page=2", cookie)
        first = communicator("/ws/", cookie)
        queue = Queue(on_second, opts(redis_url))
        try:
            assert (await second.connect(timeout=5))[0]
            snapshot = await receive_until(second, lambda m: "qb-queue-row" in content(m))
            assert (await first.connect(timeout=5))[0]
            first_snapshot = await receive_until(first, lambda m: "qb-queue-row" in content(m))
            await asyncio.sleep(0.5)  # the reader follows the queues
            await queue.add("more", {})
            row = await receive_until(
                second,
                lambda m: f'data-queue="{on_second}"' in content(m) and ">2</a>" in content(m),
            )
        finally:
            await second.disconnect()
            await first.disconnect()
            await stop_live()
            await queue.close()
        return rows_in(content(snapshot)), rows_in(content(first_snapshot)), content(row)

    second_rows, first_rows, update = asyncio.run(scenario())
    assert second_rows == live_many[OVERVIEW_PER_PAGE:]
    assert first_rows == live_many[:OVERVIEW_PER_PAGE]
    assert 'hx-swap-oob="true"' in update
