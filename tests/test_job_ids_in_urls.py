"""Job ids holding ``/`` or ``%`` (BullMQ's custom ``jobId``, such as ``user/42/welcome``) get
working links everywhere: list, job page, download, parent and children, actions, API and the
job page's live socket. Before, the queue page answered 500 (no route could be reversed)."""

from __future__ import annotations

import asyncio
import json
import re
from html import unescape
from typing import Any
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import Permission
from django.urls import resolve, reverse

from queues.converters import JobIdConverter
from queues.templatetags.queueboard_live import live_socket_path
from tests import bullmq_producers as producers
from tests.fixtures_bullmq import where_jobs_are
from tests.live_helpers import communicator, content, session_cookie, stop_live, use_live

pytestmark = pytest.mark.django_db(transaction=True)

Q = "odd-ids"
SLASHED = "user/42/welcome"
PERCENT = "50%off"
LOOKS_ENCODED = "a%2Fb"  # literally: a, %, 2, F, b
IDS = [SLASHED, PERCENT, LOOKS_ENCODED]


@pytest.fixture
def odd_jobs(bullmq_settings: dict[str, Any]) -> str:
    url = bullmq_settings["OPTIONS"]["url"]
    r = producers.client(url)
    try:
        producers.write_queue_keys(r, Q)
        for n, job_id in enumerate(IDS):
            producers.write_job(
                r, Q, job_id, "failed", failedReason=f"boom {job_id}", finishedOn=1000 + n,
                processedOn=900, atm=1, ats=1,
            )  # fmt: skip
        producers.write_job(
            r, Q, "child", "waiting-children", parentKey=f"bull:{Q}:{SLASHED}",
            parent=f'{{"id":"{SLASHED}","queueKey":"bull:{Q}"}}',
        )  # fmt: skip
    finally:
        r.close()
    return str(url)


@pytest.mark.parametrize("job_id", [*IDS, "plain-1", "a b", "é/ü", "%", "%25", "/"])
def test_the_converter_round_trips_through_reverse_and_resolve(job_id: str) -> None:
    url = reverse("queues:job", args=["bullmq", "some/queue", job_id])
    match = resolve(unquote(url))  # the server decodes the path once before routing
    assert match.kwargs == {"alias": "bullmq", "queue": "some/queue", "job_id": job_id}
    if "/" not in job_id and "%" not in job_id:
        assert JobIdConverter().to_url(job_id) == job_id  # plain ids look the same


def job_links(body: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'<a href="([^"]+)" class="qb-job-id">', body)]


def test_list_links_open_each_job_page(staff_client: Any, odd_jobs: str) -> None:
    page = staff_client.get(reverse("queues:queue", args=["bullmq", Q]), {"state": "failed"})
    assert page.status_code == 200
    links = job_links(page.content.decode())
    assert len(links) == len(IDS)
    for link in links:
        job = staff_client.get(link)
        assert job.status_code == 200, link
        body = job.content.decode()
        shown = re.search(r'id="job-failed-reason"[^>]*>boom ([^<]+)<', body)
        assert shown, body
        job_id = unescape(shown.group(1))
        assert job_id in IDS
        data_tab = staff_client.get(link, {"tab": "data"}).content.decode()
        download = re.search(r'<a href="([^"]+)" download>', data_tab)
        assert download, data_tab
        raw = staff_client.get(unescape(download.group(1)))
        assert raw.status_code == 200
        assert b'"id"' in raw.content


def test_parent_and_child_links(staff_client: Any, odd_jobs: str) -> None:
    child = staff_client.get(reverse("queues:job", args=["bullmq", Q, "child"]))
    assert child.status_code == 200
    parent_link = re.search(r"<dt>Parent</dt><dd><a href=\"([^\"]+)\"", child.content.decode())
    assert parent_link
    parent = staff_client.get(unescape(parent_link.group(1)))
    assert parent.status_code == 200
    assert f"boom {SLASHED}" in parent.content.decode()


def test_api_reads_and_acts_on_them(staff_client: Any, staff_user: Any, odd_jobs: str) -> None:
    listing = staff_client.get(reverse("queues:api-jobs", args=["bullmq", Q]), {"state": "failed"})
    assert {job["id"] for job in listing.json()["jobs"]} == set(IDS)
    for job_id in IDS:
        detail = staff_client.get(reverse("queues:api-job", args=["bullmq", Q, job_id]))
        assert detail.status_code == 200, job_id
        assert detail.json()["job"]["id"] == job_id
    staff_user.user_permissions.add(Permission.objects.get(codename="retry_jobs"))
    retried = staff_client.post(
        reverse("queues:api-job-action", args=["bullmq", Q, SLASHED, "retry"]),
        content_type="application/json",
    )
    assert retried.status_code == 200, retried.content
    assert retried.json()["job_id"] == SLASHED
    assert where_jobs_are(odd_jobs, Q)[SLASHED] == ["wait"]


def test_the_job_pages_retry_button(staff_client: Any, staff_user: Any, odd_jobs: str) -> None:
    staff_user.user_permissions.add(Permission.objects.get(codename="retry_jobs"))
    page = staff_client.get(reverse("queues:job", args=["bullmq", Q, PERCENT]))
    action = re.search(r'<form method="post" action="([^"]+/retry)"', page.content.decode())
    assert action, page.content.decode()
    done = staff_client.post(unescape(action.group(1)), follow=True)
    assert done.status_code == 200
    assert f"Job {PERCENT} " in done.content.decode()
    assert where_jobs_are(odd_jobs, Q)[PERCENT] == ["wait"]
    assert where_jobs_are(odd_jobs, Q)[LOOKS_ENCODED] == ["failed"]


def test_the_job_pages_live_socket_is_routed(settings: Any, staff_user: Any, odd_jobs: str) -> None:
    use_live(settings)
    cookie = session_cookie(staff_user)
    path = live_socket_path("job", "bullmq", Q, SLASHED)  # the communicator decodes it once

    async def first_message() -> str:
        comm = communicator(path, cookie)
        try:
            connected, _ = await comm.connect(timeout=5)
            assert connected
            return content(json.loads(await comm.receive_from(timeout=5)))
        finally:
            await comm.disconnect()
            await stop_live()

    assert 'id="job-state"' in asyncio.run(first_message())
