"""Searching a state's jobs by text (id, name, data, failure reason): the same contract for
every backend, the bounds a search keeps on BullMQ, and the page and API that show it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse

from queues.backends.types import JobPage, JobQuery
from queues.states import JobState
from tests import bullmq_producers as producers
from tests.contract import ContractEnv

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["bullmq", "tasks"])
def env(request: pytest.FixtureRequest) -> ContractEnv:
    env: ContractEnv = request.getfixturevalue(f"{request.param}_contract_env")
    return env


def search(backend: Any, queue: str, state: JobState, text: str, **query: Any) -> JobPage:
    page: JobPage = async_to_sync(backend.list_jobs)(
        JobQuery(queue=queue, state=state, text=text, **query)
    )
    return page


# -- the contract ------------------------------------------------------------------------------


def test_both_backends_can_search(env: ContractEnv) -> None:
    assert env.backend.supports_search
    assert env.backend.capabilities()["search"] is True


def test_a_search_finds_text_in_data_in_either_case(env: ContractEnv) -> None:
    found = search(env.backend, env.queue, JobState.WAITING, "SCRIPT>ALERT(1)")
    assert found.total == 1
    assert [job.id for job in found.jobs] == [
        job_id for job_id in env.ids[JobState.WAITING] if job_id in {j.id for j in found.jobs}
    ]
    assert "<script>alert(1)</script>" in found.jobs[0].data.text
    assert found.searched is not None
    assert (found.searched.scanned, found.searched.in_state) == (4, 4)
    assert found.searched.complete


def test_a_search_finds_failures_and_keeps_the_states_order(env: ContractEnv) -> None:
    found = search(env.backend, env.queue, JobState.FAILED, "boom")
    assert [job.id for job in found.jobs] == env.ids[JobState.FAILED]
    assert found.total == 2


def test_a_search_finds_an_id(env: ContractEnv) -> None:
    wanted = env.ids[JobState.COMPLETED][1]
    found = search(env.backend, env.queue, JobState.COMPLETED, wanted)
    assert wanted in [job.id for job in found.jobs]


def test_matches_are_paged(env: ContractEnv) -> None:
    everything = search(env.backend, env.queue, JobState.WAITING, "T")  # in every name
    assert [job.id for job in everything.jobs] == env.ids[JobState.WAITING]
    first = search(env.backend, env.queue, JobState.WAITING, "t", per_page=1)
    second = search(env.backend, env.queue, JobState.WAITING, "t", per_page=1, page=2)
    assert first.total == second.total == everything.total
    assert [first.jobs[0].id, second.jobs[0].id] == [job.id for job in everything.jobs[:2]]


def test_nothing_matches(env: ContractEnv) -> None:
    found = search(env.backend, env.queue, JobState.COMPLETED, "no job holds this text")
    assert (found.total, found.jobs) == (0, [])
    assert found.searched is not None and found.searched.scanned == 3


def test_the_scan_limit_bounds_a_search(env: ContractEnv) -> None:
    found = search(env.backend, env.queue, JobState.WAITING, "t", scan_limit=2)
    assert found.searched is not None
    assert (found.searched.scanned, found.searched.in_state) == (2, 4)
    assert not found.searched.complete
    assert [job.id for job in found.jobs] == env.ids[JobState.WAITING][:2]


def test_without_text_the_list_is_unchanged(env: ContractEnv) -> None:
    listed = search(env.backend, env.queue, JobState.WAITING, "")
    assert listed.searched is None
    assert [job.id for job in listed.jobs] == env.ids[JobState.WAITING]


# -- BullMQ: how a search stays bounded ----------------------------------------------------------


@pytest.fixture
def r(bullmq_settings: dict[str, Any]) -> Any:
    client = producers.client(bullmq_settings["OPTIONS"]["url"])
    yield client
    client.close()


def test_bullmq_search_reads_lists_and_sorted_sets_in_their_order(
    bullmq_backend: Any, r: Any
) -> None:
    producers.write_queue_keys(r, "orders")
    for n in range(1, 8):
        producers.write_job(r, "orders", str(n), "wait", data=json.dumps({"order": f"A-{n % 2}"}))
        producers.write_job(
            r, "orders", f"f{n}", "failed", failedReason=f"card {n % 2} declined", finishedOn=n
        )
    odd = search(bullmq_backend, "orders", JobState.WAITING, '"a-1"')
    assert [job.id for job in odd.jobs] == ["7", "5", "3", "1"]  # LPUSH: newest first
    declined = search(bullmq_backend, "orders", JobState.FAILED, "CARD 0")
    assert [job.id for job in declined.jobs] == ["f6", "f4", "f2"]  # newest finished first


def test_bullmq_search_skips_vanished_and_damaged_jobs(bullmq_backend: Any, r: Any) -> None:
    producers.write_queue_keys(r, "ragged")
    producers.write_job(r, "ragged", "1", "wait", data=b"\xff\xfe needle \x80")
    r.lpush("bull:ragged:wait", "gone")  # an id whose hash was removed
    producers.write_job(r, "ragged", "2", "wait", name=b"needle \xc3", data=b"{not json")
    found = search(bullmq_backend, "ragged", JobState.WAITING, "needle")
    assert [job.id for job in found.jobs] == ["2", "1"]
    assert found.searched is not None and found.searched.scanned == 3


def test_bullmq_search_stops_at_its_byte_budget(
    bullmq_backend: Any, r: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from queues.backends.bullmq import reads

    monkeypatch.setattr(reads, "SEARCH_BYTE_BUDGET", 3 * 100_000)
    producers.write_queue_keys(r, "heavy")
    for n in range(1, 11):
        producers.write_job(r, "heavy", str(n), "wait", data=json.dumps({"blob": "x" * 100_000}))
    found = search(bullmq_backend, "heavy", JobState.WAITING, "needle")
    assert found.searched is not None
    assert found.searched.scanned == 3  # each job's bytes count; the fourth would pass the budget
    assert not found.searched.complete


def test_bullmq_search_text_is_literal(bullmq_backend: Any, r: Any) -> None:
    producers.write_queue_keys(r, "literal")
    producers.write_job(r, "literal", "1", "wait", data=json.dumps({"p": "50% off (a.b)"}))
    producers.write_job(r, "literal", "2", "wait", data=json.dumps({"p": "50 off ab"}))
    for text in ("50%", "(a.b)", "% off ("):
        found = search(bullmq_backend, "literal", JobState.WAITING, text)
        assert [job.id for job in found.jobs] == ["1"], text
    assert search(bullmq_backend, "literal", JobState.WAITING, ".*").total == 0


# -- the queue page and the API ----------------------------------------------------------------


def test_the_page_shows_matches_and_what_was_searched(staff_client: Any, env: ContractEnv) -> None:
    url = reverse("queues:queue", args=[env.backend.alias, env.queue])
    body = staff_client.get(url, {"state": "waiting", "q": "<script>"}).content.decode()
    assert 'role="search" aria-label="Search the waiting jobs"' in body
    assert 'value="&lt;script&gt;"' in body
    assert 'data-search="&lt;script&gt;"' in body
    scope = re.search(r'<p class="qb-search-scope"[^>]*>(.*?)</p>', body, re.S)
    assert scope
    text = " ".join(scope.group(1).split())
    assert text == "1 match for “&lt;script&gt;” among all 4 waiting jobs."
    assert len(re.findall(r'<tr class="qb-job-row', body)) == 1
    assert "Clear search" in body
    assert "<script>" not in body.split("<body", 1)[1].replace('<script src="', "")


def test_the_page_says_when_a_search_stopped(
    staff_client: Any, env: ContractEnv, settings: Any
) -> None:
    settings.QUEUEBOARD = {"SEARCH_SCAN_LIMIT": 2}
    url = reverse("queues:queue", args=[env.backend.alias, env.queue])
    body = staff_client.get(url, {"state": "waiting", "q": "zzz"}).content.decode()
    scope = re.search(r'class="qb-search-scope"[^>]*>(.*?)</p>', body, re.S)
    assert scope
    text = " ".join(scope.group(1).split())
    assert text.startswith("0 matches for “zzz” among the first 2 of 4 waiting jobs")
    assert "No waiting jobs match." in body


def test_pages_of_matches_keep_the_search(staff_client: Any, env: ContractEnv) -> None:
    url = reverse("queues:queue", args=[env.backend.alias, env.queue])
    body = staff_client.get(url, {"state": "waiting", "q": "t", "per_page": 1}).content.decode()
    assert 'rel="next" href="?state=waiting&amp;page=2&amp;per_page=1&amp;q=t"' in body
    assert "Page 1 of 4 · 4 matches" in body


def test_the_api_says_what_was_searched(staff_client: Any, env: ContractEnv) -> None:
    url = reverse("queues:api-jobs", args=[env.backend.alias, env.queue])
    answer = staff_client.get(url, {"state": "failed", "q": "BOOM"}).json()
    assert answer["total"] == 2
    assert answer["search"] == {"text": "BOOM", "scanned": 2, "in_state": 2, "complete": True}
    plain = staff_client.get(url, {"state": "failed"}).json()
    assert plain["search"] is None


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("x" * 201, "The search text has at most 200 characters."),
        ("a\x00b", "The search text cannot hold a NUL character."),
    ],
)
def test_bad_search_text_is_a_clear_400(
    staff_client: Any, env: ContractEnv, q: str, message: str
) -> None:
    url = reverse("queues:api-jobs", args=[env.backend.alias, env.queue])
    answer = staff_client.get(url, {"state": "failed", "q": q})
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == message
    page = staff_client.get(reverse("queues:queue", args=[env.backend.alias, env.queue]), {"q": q})
    assert page.status_code == 400
    assert message in page.content.decode()
