"""Bad RQ data gives a clear note, never an error page, and never runs code from a pickle:
jobs with missing fields, pickles of classes that do not exist here (and one that would run a
command if unpickled), corrupt zlib data, ``origin`` naming another queue, registries pointing
at jobs whose record expired, bytes that are not UTF-8."""

from __future__ import annotations

import json
import os
import pickle
import zlib
from pathlib import Path
from typing import Any

import pytest
import redis
from django.urls import reverse

from queues.backends.types import JobQuery
from queues.states import JobState
from tests.fixtures_bullmq import run

Q = "bad"


class Ghost:
    """Pickled here, then renamed in the bytes to a class that exists nowhere."""


class Runs:
    """Unpickling this would run ``touch <marker>``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def job(client: redis.Redis, job_id: str, **fields: Any) -> None:
    client.hset(f"rq:job:{job_id}", mapping={"origin": Q, **fields})


@pytest.fixture
def bad_queue(rq_backend: Any, redis_url: str, tmp_path: Path) -> Path:
    client = redis.Redis.from_url(redis_url)
    marker = tmp_path / "unpickled"
    ghost = pickle.dumps(("tests.rq_jobs.add", None, (Ghost(),), {}), protocol=5)
    ghost = ghost.replace(b"Ghost", b"Gh0st")
    runs = pickle.dumps(("tests.rq_jobs.add", None, (Runs(marker),), {}), protocol=5)
    client.sadd("rq:queues", f"rq:queue:{Q}")
    job(client, "no-fields")  # nothing but its origin
    job(client, "ghost", status="queued", data=zlib.compress(ghost), meta=ghost)
    job(client, "runs", status="queued", data=zlib.compress(runs), meta=runs)
    job(client, "corrupt", status="queued", data=b"x\x9c\x00 not zlib at all")
    job(client, "elsewhere", status="queued", origin="other",
        data=zlib.compress(json.dumps(["tests.rq_jobs.add", None, [1], {}]).encode()))  # fmt: skip
    job(client, "not-utf8", status="failed", description=b"\xff\xfe bytes",
        exc_info=b"x\x9cbroken", dependency_ids=b"[not json", created_at=b"yesterday",
        data=zlib.compress(b"\xff\xfe\x00 neither json nor pickle"))  # fmt: skip
    job(client, "odd-status", status="exploded", data=b"")
    for job_id in ("no-fields", "ghost", "runs", "corrupt", "elsewhere"):
        client.rpush(f"rq:queue:{Q}", job_id)
    client.zadd(f"rq:failed:{Q}", {"expired": 1, "not-utf8": 2, "odd-status": 3})
    client.zadd(f"rq:wip:{Q}", {"gone:execution": 1, "no-colon": 2})
    client.close()
    return marker


def test_every_list_reads_with_notes(rq_backend: Any, bad_queue: Path) -> None:
    for state in rq_backend.states:
        page = run(rq_backend, rq_backend.list_jobs(JobQuery(queue=Q, state=state)))
        assert page.total == len(page.jobs)
    waiting = run(rq_backend, rq_backend.list_jobs(JobQuery(queue=Q, state=JobState.WAITING)))
    rows = {row.id: row for row in waiting.jobs}
    assert "no function" in " ".join(rows["no-fields"].problems)
    assert "corrupt zlib" in " ".join(rows["corrupt"].problems)
    assert "'other'" in " ".join(rows["elsewhere"].problems)
    assert rows["ghost"].data.opaque == "pickle"
    failed = run(rq_backend, rq_backend.list_jobs(JobQuery(queue=Q, state=JobState.FAILED)))
    expired = {row.id: row for row in failed.jobs}["expired"]
    assert "record is gone" in " ".join(expired.problems)
    assert not bad_queue.exists()


@pytest.mark.parametrize(
    "job_id", ["no-fields", "ghost", "runs", "corrupt", "elsewhere", "not-utf8", "odd-status"]
)
def test_every_job_reads_with_notes(rq_backend: Any, bad_queue: Path, job_id: str) -> None:
    detail = run(rq_backend, rq_backend.get_job(Q, job_id))
    assert detail.id == job_id
    if job_id in {"ghost", "runs"}:
        assert detail.data.opaque == "pickle" and detail.options.opaque == "pickle"
        assert detail.name == "tests.rq_jobs.add"
    if job_id == "not-utf8":
        assert "\ufffd" in dict(detail.extra)["Description"]
        assert detail.problems
    assert not bad_queue.exists(), "a pickle was unpickled"


def test_a_job_of_another_queue_is_not_found_here(rq_backend: Any, bad_queue: Path) -> None:
    from queues.backends.errors import JobNotFound

    client = redis.Redis.from_url(rq_backend.url)
    job(client, "foreign", status="queued", origin="other")
    client.close()
    with pytest.raises(JobNotFound):
        run(rq_backend, rq_backend.get_job(Q, "foreign"))
    with pytest.raises(JobNotFound):
        run(rq_backend, rq_backend.get_job(Q, "expired"))


@pytest.mark.django_db(transaction=True)
def test_pages_answer_with_notes(staff_client: Any, bad_queue: Path) -> None:
    base = reverse("queues:queue", args=["rq", Q])
    for state in ("waiting", "failed", "active"):
        assert staff_client.get(f"{base}?state={state}").status_code == 200
    for job_id in ("no-fields", "ghost", "runs", "corrupt", "elsewhere", "not-utf8", "odd-status"):
        response = staff_client.get(reverse("queues:job", args=["rq", Q, job_id]))
        assert response.status_code == 200, job_id
        api = staff_client.get(reverse("queues:api-job", args=["rq", Q, job_id]))
        assert api.status_code == 200, job_id
    assert staff_client.get(reverse("queues:job", args=["rq", Q, "expired"])).status_code == 404
    assert not bad_queue.exists(), "a pickle was unpickled"
