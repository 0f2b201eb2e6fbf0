"""Dead-letter queues of BullMQ written by a real Node worker (the pattern BullMQ's guides
teach): recognised, linked to their original jobs, replayed into the original queue through the
API and the page (once, a selection, all as a bulk run), the new jobs run by a real worker."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import redis
from bullmq import Queue
from django.core import checks
from django.test import Client
from django.urls import reverse

from queues.backends import backends
from queues.dead_letters import is_dead_letter_queue, replay_job_id
from queues.models import AuditEntry
from tests.fixtures_bullmq import run_node
from tests.test_bullmq_actions_api import grant, wait_for_run

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.node]

Q = "emails"
DLQ = "dead-letter"


@pytest.fixture
def letters(node_modules: Any, redis_url: str, bullmq_settings: Any) -> list[str]:
    """Three jobs of ``emails`` failed finally; their dead letters in ``dead-letter``."""
    out = run_node("dead_letters.mjs", redis_url, "fail", Q, "3")
    originals: list[str] = json.loads(out.strip().splitlines()[-1])
    return originals


@pytest.fixture
def r(redis_url: str) -> Any:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def replayer(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, "replay_dead_letters"))
    return client


def dead_ids(r: Any) -> list[str]:
    return list(reversed(r.lrange(f"bull:{DLQ}:wait", 0, -1)))  # oldest first


def replay_url(job_id: str) -> str:
    return reverse("queues:api-job-replay", args=["bullmq", DLQ, job_id])


def test_node_dead_letters_are_recognised_and_linked(
    replayer: Client, letters: list[str], r: Any
) -> None:
    backend = backends["bullmq"]
    sample = [{"originalQueue": Q, "originalJobId": "1", "data": {}}]
    assert is_dead_letter_queue(backend, DLQ, sample)
    assert not is_dead_letter_queue(backend, Q, [{"n": 1}])
    r.delete(f"bull:{Q}:{letters[0]}")  # one original job no longer stored
    panel = replayer.get(reverse("queues:dead-letters", args=["bullmq", DLQ]), HTTP_HX_REQUEST="1")
    text = panel.content.decode()
    assert panel.status_code == 200 and 'id="dead-letter-panel"' in text
    for original in letters[1:]:
        assert reverse("queues:job", args=["bullmq", Q, original]) in text
    assert reverse("queues:job", args=["bullmq", Q, letters[0]]) not in text
    assert "no longer stored" in text and "SMTP refused &lt;user" in text
    job = dead_ids(r)[1]
    page = replayer.get(reverse("queues:job-dead-letter", args=["bullmq", DLQ, job]))
    body = page.content.decode()
    assert "Replay into original queue" in body and "failed-job" in body
    assert reverse("queues:job-replay", args=["bullmq", DLQ, job]) in body
    assert (
        'id="dead-letter-job"'
        in replayer.get(reverse("queues:job", args=["bullmq", DLQ, job])).content.decode()
    )
    # Not a dead-letter queue: no panel.
    other = replayer.get(reverse("queues:dead-letters", args=["bullmq", Q]) + "?state=failed")
    assert other.status_code == 200 and b"dead-letter-panel" not in other.content


def test_replay_through_the_api_runs_in_a_real_worker_once(
    replayer: Client, letters: list[str], r: Any, redis_url: str
) -> None:
    first, *rest = dead_ids(r)
    dead = r.hgetall(f"bull:{DLQ}:{first}")
    letter = json.loads(dead["data"])
    response = replayer.post(replay_url(first))
    assert response.status_code == 200, response.content
    body = response.json()
    new_id = replay_job_id(DLQ, first)
    assert body["new_job_id"] == new_id and body["original_queue"] == Q
    assert body["name"] == "failed-job"  # the guide's dead letter carries no name of its own
    assert not r.exists(f"bull:{DLQ}:{first}")
    assert json.loads(r.hget(f"bull:{Q}:{new_id}", "data")) == letter["data"]
    # Twice: the dead letter is gone (404), and no second job was added.
    assert replayer.post(replay_url(first)).status_code == 404
    # A second replay of a dead letter whose removal had not happened adds nothing either.
    r.hset(f"bull:{DLQ}:{first}", mapping=dead)
    r.rpush(f"bull:{DLQ}:wait", first)
    assert replayer.post(replay_url(first)).status_code == 200
    assert r.lrange(f"bull:{Q}:wait", 0, -1).count(new_id) == 1
    done = json.loads(run_node("dead_letters.mjs", redis_url, "drain", Q, "1").strip())
    assert [(j["id"], j["data"]) for j in done] == [(new_id, letter["data"])]
    assert r.zscore(f"bull:{Q}:completed", new_id) is not None
    entries = list(AuditEntry.objects.filter(action="replay-dead-letters").order_by("pk"))
    assert [e.outcome for e in entries] == ["ok", "ok"] and entries[0].job_ids == [first]
    assert entries[0].params["before"] == {
        "queue": DLQ,
        "job": first,
        "original_job": letter["originalJobId"],
    }
    assert entries[0].params["after"] == {"queue": Q, "job": new_id, "name": "failed-job"}
    assert dead_ids(r) == rest


def test_replay_selection_and_all_as_a_bulk_run(
    replayer: Client, letters: list[str], r: Any, redis_url: str
) -> None:
    ids = dead_ids(r)
    url = reverse("queues:api-replay", args=["bullmq", DLQ])
    chosen = replayer.post(url, {"ids": [ids[0]]}, content_type="application/json").json()
    assert chosen["done"] == 1 and chosen["done_ids"] == [ids[0]]
    started = replayer.post(url, {"all": True}, content_type="application/json")
    assert started.status_code == 202, started.content
    run = wait_for_run(replayer, started.json()["run"]["id"])
    assert (run["status"], run["done"], run["expected"]) == ("finished", 2, 2)
    assert dead_ids(r) == []
    done = json.loads(run_node("dead_letters.mjs", redis_url, "drain", Q, "3").strip())
    assert sorted(j["id"] for j in done) == sorted(replay_job_id(DLQ, i) for i in ids)


def test_replay_from_the_page_goes_to_the_new_job(
    replayer: Client, letters: list[str], r: Any
) -> None:
    job = dead_ids(r)[0]
    response = replayer.post(reverse("queues:job-replay", args=["bullmq", DLQ, job]))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "queues:job", args=["bullmq", Q, replay_job_id(DLQ, job)]
    )
    url = reverse("queues:replay", args=["bullmq", DLQ])
    picked = replayer.post(url, {"ids": dead_ids(r)[:1]})
    assert picked.status_code == 302 and len(dead_ids(r)) == 1
    everything = replayer.post(url, {"all": "1"})
    assert everything.status_code == 302 and "/runs/" in everything["Location"]
    run_id = everything["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert wait_for_run(replayer, run_id)["done"] == 1 and dead_ids(r) == []


def test_replay_into_a_read_only_queue_is_refused(
    client: Client, staff_user: Any, letters: list[str], r: Any, settings: Any
) -> None:
    entry = {**settings.QUEUEBOARD_BACKENDS["bullmq"], "READ_ONLY_QUEUES": [Q]}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    client.force_login(grant(staff_user, "replay_dead_letters"))
    job = dead_ids(r)[0]
    response = client.post(replay_url(job))
    assert response.status_code == 403
    assert "read-only" in response.json()["error"]["message"]
    url = reverse("queues:api-replay", args=["bullmq", DLQ])
    chosen = client.post(url, {"ids": [job]}, content_type="application/json").json()
    assert chosen["done"] == 0 and "read-only" in chosen["failed"][0]["reason"]
    assert r.exists(f"bull:{DLQ}:{job}") and not r.exists(f"bull:{Q}:{replay_job_id(DLQ, job)}")
    refused = AuditEntry.objects.filter(action="replay-dead-letters", outcome="refused")
    assert refused.count() == 1


def test_refused_without_permission_or_csrf(
    client: Client, staff_user: Any, letters: list[str], r: Any
) -> None:
    job = dead_ids(r)[0]
    client.force_login(grant(staff_user, "retry_jobs"))
    response = client.post(replay_url(job))
    assert response.status_code == 403
    assert "queues.replay_dead_letters" in response.json()["error"]["message"]
    panel = client.get(reverse("queues:job-dead-letter", args=["bullmq", DLQ, job]))
    assert b"replay-button" not in panel.content
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(grant(staff_user, "replay_dead_letters"))
    assert strict.post(replay_url(job)).status_code == 403
    assert client.get(replay_url(job)).status_code == 405
    assert r.exists(f"bull:{DLQ}:{job}")


def test_the_dead_letter_option_is_checked(settings: Any, bullmq_settings: Any) -> None:
    options = {**bullmq_settings["OPTIONS"], "dead_letter_queues": "dead-letter"}
    entry = {**bullmq_settings, "OPTIONS": options}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    found = [m.msg for m in backends["bullmq"].check() if m.level >= checks.ERROR]
    assert any("dead_letter_queues" in m for m in found), found
    entry["OPTIONS"] = {**options, "dead_letter_queues": ["dead-letter"]}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    assert not [m for m in backends["bullmq"].check() if "dead_letter" in m.msg]
    assert is_dead_letter_queue(backends["bullmq"], "dead-letter")


def no_emails(user: Any, backend: str | None, queue: str | None) -> bool:
    """An ACCESS rule: staff see everything but the queue "emails"."""
    return bool(user.is_staff) and queue != Q


def test_replay_into_a_queue_the_user_may_not_see_is_refused(
    replayer: Client, letters: list[str], r: Any, settings: Any
) -> None:
    settings.QUEUEBOARD = {"ACCESS": "tests.test_dead_letters_bullmq.no_emails"}
    job = dead_ids(r)[0]
    response = replayer.post(replay_url(job))
    assert response.status_code == 403 and "not shown" in response.json()["error"]["message"]
    assert r.exists(f"bull:{DLQ}:{job}") and not r.exists(f"bull:{Q}:{replay_job_id(DLQ, job)}")


def test_a_dead_letter_whose_removal_is_refused_stays_and_says_so(
    replayer: Client, letters: list[str], r: Any
) -> None:
    job = dead_ids(r)[0]
    r.set(f"bull:{DLQ}:{job}:lock", "a-worker-token")  # a worker took it meanwhile
    response = replayer.post(replay_url(job))
    assert response.status_code == 409, response.content
    assert "stays in the dead-letter queue" in response.json()["error"]["message"]
    assert r.exists(f"bull:{DLQ}:{job}")
    new_id = replay_job_id(DLQ, job)
    assert r.exists(f"bull:{Q}:{new_id}")
    r.delete(f"bull:{DLQ}:{job}:lock")  # once free, a replay again adds nothing more
    assert replayer.post(replay_url(job)).status_code == 200
    assert r.lrange(f"bull:{Q}:wait", 0, -1).count(new_id) == 1 and not r.exists(
        f"bull:{DLQ}:{job}"
    )


def test_a_replay_run_goes_past_jobs_it_cannot_replay(
    replayer: Client, letters: list[str], r: Any, settings: Any
) -> None:
    async def add_plain() -> None:
        queue = Queue(DLQ, {"connection": redis_url(r), "prefix": "bull"})
        await queue.add("not-a-letter", {"hello": "world"})
        await queue.close()

    asyncio.run(add_plain())
    settings.QUEUEBOARD = {**getattr(settings, "QUEUEBOARD", {}), "BULK_BATCH_SIZE": 1}
    url = reverse("queues:api-replay", args=["bullmq", DLQ])
    started = replayer.post(url, {"all": True}, content_type="application/json")
    run = wait_for_run(replayer, started.json()["run"]["id"])
    assert (run["status"], run["done"], run["failed"], run["expected"]) == ("finished", 3, 1, 4)
    assert len(dead_ids(r)) == 1  # the job that is no dead letter, left as it was


def redis_url(r: Any) -> str:
    kwargs = r.connection_pool.connection_kwargs
    return f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs.get('db', 0)}"
