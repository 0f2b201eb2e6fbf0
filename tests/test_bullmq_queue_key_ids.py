"""A job id that names one of the queue's own keys (``meta``, ``id``, ``events``, ``wait``, ...)
is no job: ``bull:<queue>:meta`` is the queue's settings hash, and answering it as a job showed
the queue's meta record as one, and let *Remove* delete it (un-pausing the queue). Such ids
answer 404 unless a real job hash (``timestamp`` and a ``name`` or ``data``) is stored there.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse

from queues.backends.actions import JobAction
from queues.backends.errors import JobNotFound
from tests import bullmq_producers as producers
from tests.actions_helpers import grant
from tests.fixtures_bullmq import run

pytestmark = pytest.mark.django_db(transaction=True)

Q = "keys"
#: The queue's own keys (bullmq's QueueKeys) and hashes kept beside them.
QUEUE_KEY_IDS = [
    "meta", "id", "events", "wait", "active", "paused", "delayed", "prioritized", "completed",
    "failed", "waiting-children", "stalled", "stalled-check", "repeat", "limiter", "pc",
    "marker", "de", "metrics:completed", "repeat:nightly", "1:logs", "1:processed",
]  # fmt: skip


@pytest.fixture
def r(redis_url: str) -> Any:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def paused_queue(bullmq_settings: Any, redis_url: str, r: Any) -> None:
    """A paused queue with a job, a scheduler, metrics and a flow parent's results hash."""
    asyncio.run(producers.add_jobs(redis_url, Q, 1))
    base = f"bull:{Q}:"
    r.hset(base + "meta", mapping={"paused": 1, "version": "bullmq:6.7.0", "concurrency": 4})
    r.rename(base + "wait", base + "paused")
    r.hset(base + "metrics:completed", mapping={"count": 3, "prevTS": 1, "prevCount": 2})
    r.hset(base + "repeat:nightly", mapping={"name": "n", "data": "{}", "opts": "{}", "ic": 1})
    r.zadd(base + "repeat", {"nightly": 1})
    r.hset(base + "1:processed", mapping={"bull:other:9": '"ok"'})
    r.set(base + "limiter", 1)
    r.set(base + "pc", 1)


@pytest.mark.parametrize("job_id", QUEUE_KEY_IDS)
def test_a_queue_key_is_not_a_job(
    bullmq_backend: Any, paused_queue: None, staff_client: Client, job_id: str
) -> None:
    with pytest.raises(JobNotFound):
        run(bullmq_backend, bullmq_backend.get_job(Q, job_id))
    assert staff_client.get(reverse("queues:job", args=["bullmq", Q, job_id])).status_code == 404
    api = staff_client.get(reverse("queues:api-job", args=["bullmq", Q, job_id]))
    assert (api.status_code, api.json()["error"]["code"]) == (404, "job_not_found")


def test_removing_meta_leaves_the_queue_paused(
    bullmq_backend: Any, paused_queue: None, client: Client, staff_user: Any, r: Any
) -> None:
    client.force_login(grant(staff_user, "remove_jobs"))
    kept = ("meta", "metrics:completed", "1:processed")
    before = {key: r.dump(f"bull:{Q}:{key}") for key in kept}
    for job_id in ("meta", "metrics:completed", "repeat:nightly", "1:processed"):
        url = reverse("queues:api-job-action", args=["bullmq", Q, job_id, "remove"])
        assert client.post(url).status_code == 404, job_id
    outcome = run(bullmq_backend, bullmq_backend.act_on_jobs(Q, JobAction.REMOVE, ["meta"]))
    assert (outcome.done, [s.missing for s in outcome.skipped]) == (0, [True])
    assert {key: r.dump(f"bull:{Q}:{key}") for key in before} == before
    assert r.exists(f"bull:{Q}:repeat:nightly")
    assert run(bullmq_backend, bullmq_backend.get_queue(Q)).paused


def test_a_real_job_under_such_an_id_is_still_shown(
    bullmq_backend: Any, paused_queue: None, staff_client: Client, r: Any
) -> None:
    """Legacy repeatable jobs have ids like ``repeat:<key>:<time>``; Python clients allow any id."""
    producers.write_job(r, Q, "repeat:abc:1700000000000", "completed", finishedOn=1700000000000)
    producers.write_job(r, Q, "stalled", "failed", failedReason="named like a key")
    for job_id in ("repeat:abc:1700000000000", "stalled"):
        job = run(bullmq_backend, bullmq_backend.get_job(Q, job_id))
        assert job.name == f"job-{job_id}"
        page = staff_client.get(reverse("queues:job", args=["bullmq", Q, job_id]))
        assert page.status_code == 200


def test_an_ordinary_damaged_job_is_still_shown(
    bullmq_backend: Any, paused_queue: None, r: Any
) -> None:
    """Only ids naming the queue's keys need a real job hash; others show what is there."""
    r.hset(f"bull:{Q}:broken", mapping={"progress": "50"})
    r.zadd(f"bull:{Q}:failed", {"broken": 1})
    job = run(bullmq_backend, bullmq_backend.get_job(Q, "broken"))
    assert any("'timestamp'" in problem for problem in job.problems)
