"""Bulk runs are capped per queue (409) and per user (429), and done by a few workers (F10.7).

Before: every accepted run had a thread of its own, and nothing capped them (300 POSTs, 300
runs, 296 threads). The pool's workers are held busy with real waiting work where a test needs
runs to stay queued, so no outcome depends on timing.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from queues.actions import bulk, refusal_limit
from queues.actions.run_pool import THREAD_PREFIX, pool
from queues.models import AuditEntry, BulkRun
from tests.actions_helpers import ALL_ACTION_PERMISSIONS, grant, queue_action, wait_for_run
from tests.fixtures_bullmq import write_finished_jobs

pytestmark = pytest.mark.django_db(transaction=True)

JOBS = 200


def pool_threads() -> int:
    """Threads running bulk runs (the pool's, and the one-per-run threads there were before)."""
    assert THREAD_PREFIX.startswith("queueboard-run")
    return sum(t.name.startswith("queueboard-run") for t in threading.enumerate())


@contextmanager
def busy_workers(count: int) -> Iterator[None]:
    """Hold ``count`` of the pool's workers with work that waits until the block ends."""
    release = threading.Event()
    holding = threading.Semaphore(0)

    def hold(_run_id: Any) -> None:
        holding.release()
        release.wait(60)

    for _ in range(count):
        pool.submit(uuid.uuid4(), hold)
    try:
        for _ in range(count):
            assert holding.acquire(timeout=10)
        yield
    finally:
        release.set()


@pytest.fixture
def operator_client(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, *ALL_ACTION_PERMISSIONS))
    return client


@pytest.fixture
def caps(settings: Any) -> dict[str, int]:
    values = {"BULK_WORKERS": 2, "BULK_RUNS_PER_USER": 3, "BULK_RUNS_PER_QUEUE": 1}
    settings.QUEUEBOARD = {**values, "BULK_BATCH_SIZE": 50}
    return values


@pytest.fixture
def r(redis_url: str) -> Iterator[Any]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


def seed(redis_url: str, *queues: str) -> None:
    for queue in queues:
        write_finished_jobs(redis_url, queue, JOBS)


def retry_all(client: Client, queue: str) -> Any:
    return queue_action(client, "bullmq", queue, "retry-all")


def test_300_posts_accept_the_caps_and_refuse_the_rest(
    operator_client: Client,
    bullmq_settings: Any,
    redis_url: str,
    r: Any,
    caps: Any,
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(refusal_limit, "clock", lambda: 1_000_030.0)  # one minute, frozen
    queues = [f"caps-{n}" for n in range(5)]
    seed(redis_url, *queues)
    answers: list[tuple[str, Any]] = []
    most_threads = 0
    with busy_workers(caps["BULK_WORKERS"]):  # accepted runs stay queued meanwhile
        for n in range(300):
            queue = queues[n % len(queues)]
            answers.append((queue, retry_all(operator_client, queue)))
            most_threads = max(most_threads, pool_threads())
        accepted = {q: a.json()["run"] for q, a in answers if a.status_code == 202}
        assert sorted(accepted) == queues[:3]  # the user's cap: 3 active runs
        assert {run["status"] for run in accepted.values()} == {"queued"}
        for queue, answer in answers:
            if answer.status_code == 202:
                continue
            error = answer.json()["error"]
            if queue in accepted:  # that queue has its run of that kind
                assert answer.status_code == 409, answer.content
                assert error["code"] == "run_in_progress"
                assert error["run"] == accepted[queue]["id"]
                assert "already in progress" in error["message"]
            else:
                assert answer.status_code == 429, answer.content
                assert error == {
                    "code": "too_many_runs",
                    "message": "You have 3 bulk run(s) in progress, the most one user may have; "
                    "wait for one to finish or cancel one.",
                }
    assert most_threads <= caps["BULK_WORKERS"]
    assert BulkRun.objects.count() == 3
    refusals = AuditEntry.objects.filter(outcome="refused")
    assert refusals.count() == 10  # recorded like other refusals, at most 10 a minute (F10.10)
    for queue, started in accepted.items():
        run = wait_for_run(operator_client, started["id"])
        assert (run["status"], run["done"]) == ("finished", JOBS)
        assert r.zcard(f"bull:{queue}:failed") == 0
    for queue in queues[3:]:
        assert r.zcard(f"bull:{queue}:failed") == JOBS  # refused: untouched
    assert pool_threads() <= caps["BULK_WORKERS"]


def test_many_accepted_runs_share_a_few_workers(
    operator_client: Client, bullmq_settings: Any, redis_url: str, settings: Any
) -> None:
    # Runs of 100 batches each: one thread per run would have had most of them alive at once.
    settings.QUEUEBOARD = {"BULK_WORKERS": 2, "BULK_RUNS_PER_USER": 12, "BULK_BATCH_SIZE": 10}
    queues = [f"many-{n}" for n in range(12)]
    for queue in queues:
        write_finished_jobs(redis_url, queue, 1000)
    most_threads = 0
    started = []
    for queue in queues:
        answer = retry_all(operator_client, queue)
        assert answer.status_code == 202, answer.content
        started.append(answer.json()["run"]["id"])
        most_threads = max(most_threads, pool_threads())
    while BulkRun.objects.filter(status__in=["queued", "running"]).exists():
        most_threads = max(most_threads, pool_threads())
        time.sleep(0.01)
    assert most_threads <= 2
    runs = [wait_for_run(operator_client, run_id) for run_id in started]
    assert {(run["status"], run["done"]) for run in runs} == {("finished", 1000)}


def test_a_queue_takes_other_kinds_and_a_new_run_once_its_run_ended(
    operator_client: Client, bullmq_settings: Any, redis_url: str, caps: Any
) -> None:
    seed(redis_url, "kinds")
    with busy_workers(caps["BULK_WORKERS"]):
        first = retry_all(operator_client, "kinds")
        assert first.status_code == 202
        assert retry_all(operator_client, "kinds").status_code == 409
        other = queue_action(operator_client, "bullmq", "kinds", "clean", state="failed")
        assert other.status_code == 202, other.content  # clean failed: another kind
        completed = queue_action(operator_client, "bullmq", "kinds", "clean", state="completed")
        assert completed.status_code == 202  # clean completed: another kind again
        assert (
            queue_action(operator_client, "bullmq", "kinds", "clean", state="completed").json()[
                "error"
            ]["code"]
            == "run_in_progress"
        )
    for answer in (first, other, completed):
        wait_for_run(operator_client, answer.json()["run"]["id"])
    again = retry_all(operator_client, "kinds")
    assert again.status_code == 202  # the earlier run is over
    wait_for_run(operator_client, again.json()["run"]["id"])


def test_a_queued_run_shows_queued_and_cancels_at_once(
    operator_client: Client, bullmq_settings: Any, redis_url: str, r: Any, caps: Any
) -> None:
    seed(redis_url, "waits")
    with busy_workers(caps["BULK_WORKERS"]):
        run_id = retry_all(operator_client, "waits").json()["run"]["id"]
        page = operator_client.get(reverse("queues:run", args=[run_id])).content.decode()
        assert 'data-status="queued"' in page and ">Queued<" in page
        assert "Cancel run" in page and "one of the board&#x27;s workers is free" in page
        cancel = operator_client.post(reverse("queues:api-run-cancel", args=[run_id]))
        run = cancel.json()["run"]
        assert run["status"] == "cancelled"
        assert run["message"].startswith("Cancelled before it started.")
    time.sleep(0.2)  # the workers are free again: the cancelled run must stay as it is
    assert BulkRun.objects.get(pk=run_id).status == "cancelled"
    assert r.zcard("bull:waits:failed") == JOBS
    entries = AuditEntry.objects.filter(run_id=run_id).order_by("id")
    assert [(e.action, e.outcome) for e in entries] == [
        ("retry-all", "cancelled"),  # the run's one entry, ended
        ("cancel-retry-all", "ok"),
    ]


def test_the_form_path_says_why_with_a_notice(
    operator_client: Client, bullmq_settings: Any, redis_url: str, settings: Any
) -> None:
    settings.QUEUEBOARD = {"BULK_WORKERS": 1, "BULK_RUNS_PER_USER": 2}
    seed(redis_url, "form-a", "form-b", "form-c")

    def confirm(queue: str) -> Any:
        url = reverse("queues:queue-action", args=["bullmq", queue, "retry-all"])
        return operator_client.post(url, {"state": "failed"})

    with busy_workers(1):
        first = confirm("form-a")
        assert first.status_code == 302 and first["Location"].startswith("/runs/")
        again = confirm("form-a")
        assert again["Location"] == first["Location"]  # to the run in progress
        page = operator_client.get(again["Location"]).content.decode()
        assert "is already in progress" in page and "qb-notice-warning" in page
        assert confirm("form-b").status_code == 302
        over = confirm("form-c")
        assert over["Location"] == reverse("queues:queue", args=["bullmq", "form-c"])
        page = operator_client.get(over["Location"]).content.decode()
        assert "You have 2 bulk run(s) in progress" in page
    for run in BulkRun.objects.all():
        wait_for_run(operator_client, str(run.pk))


def test_queued_runs_keep_their_heartbeat_and_a_lost_one_reads_interrupted(
    operator_client: Client,
    bullmq_settings: Any,
    redis_url: str,
    settings: Any,
    monkeypatch: Any,
) -> None:
    settings.QUEUEBOARD = {"BULK_WORKERS": 1, "BULK_BATCH_SIZE": 10}
    monkeypatch.setattr(bulk, "KEEP_QUEUED_ALIVE_EVERY", 0.0)
    write_finished_jobs(redis_url, "long", 20000)
    seed(redis_url, "behind")
    long_id = retry_all(operator_client, "long").json()["run"]["id"]
    behind_id = retry_all(operator_client, "behind").json()["run"]["id"]
    old = timezone.now() - bulk.STALE_AFTER * 2
    BulkRun.objects.filter(pk=behind_id).update(heartbeat_at=old)
    deadline = time.monotonic() + 20
    while BulkRun.objects.get(pk=behind_id).heartbeat_at == old:  # the long run renews it
        assert time.monotonic() < deadline
        time.sleep(0.02)
    run = operator_client.get(reverse("queues:api-run", args=[behind_id])).json()["run"]
    assert run["status"] in ("queued", "running")  # not taken for lost
    operator_client.post(reverse("queues:api-run-cancel", args=[long_id]))
    wait_for_run(operator_client, long_id)
    assert wait_for_run(operator_client, behind_id)["status"] == "finished"
    # A queued run nobody holds (its process died): interrupted once its heartbeat is stale.
    lost = BulkRun.objects.create(
        action="retry-all", backend="bullmq", queue="behind", status="queued"
    )
    BulkRun.objects.filter(pk=lost.pk).update(heartbeat_at=old)
    run = operator_client.get(reverse("queues:api-run", args=[lost.pk])).json()["run"]
    assert run["status"] == "interrupted"
    assert "stopped before it started" in run["message"]
