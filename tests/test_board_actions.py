"""Board-wide actions: pause all, resume all, retry failed in all queues, as one run."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import redis
from bullmq import Queue
from django.test import Client
from django.urls import reverse

from queues.models import AuditEntry
from tests import bullmq_producers as producers
from tests.actions_helpers import grant
from tests.fixtures_bullmq import write_finished_jobs

pytestmark = pytest.mark.django_db(transaction=True)

QUEUES = ("alpha", "beta", "frozen", "secret")


@pytest.fixture
def board(bullmq_settings: Any, redis_url: str, settings: Any) -> dict[str, Any]:
    """Four queues of Python bullmq jobs (finished by a real worker): "frozen" read-only,
    "secret" hidden."""
    seeded = {name: asyncio.run(producers.seed_python_queue(redis_url, name)) for name in QUEUES}
    entry = {**bullmq_settings, "READ_ONLY_QUEUES": ["frozen"], "HIDDEN_QUEUES": ["secret"]}
    settings.QUEUEBOARD_BACKENDS = {"bullmq": entry}
    return seeded


@pytest.fixture
def operator(client: Client, staff_user: Any) -> Client:
    client.force_login(grant(staff_user, "pause_queues", "retry_jobs"))
    return client


def start(client: Client, action: str) -> Any:
    return client.post(reverse("queues:api-board-action", args=[action]))


def wait(client: Client, run_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run = client.get(reverse("queues:api-board-run", args=[run_id])).json()["run"]
        if run["status"] not in ("queued", "running", "cancelling"):
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.05)


def paused(redis_url: str) -> dict[str, bool]:
    server = redis.Redis.from_url(redis_url)
    try:
        return {q: bool(server.hexists(f"bull:{q}:meta", "paused")) for q in QUEUES}
    finally:
        server.close()


def outcomes(run: dict[str, Any]) -> dict[str, str]:
    return {row["queue"]: row["status"] for row in run["summary"]}


def test_pause_all_and_resume_all(operator: Client, board: Any, redis_url: str) -> None:
    response = start(operator, "pause-all")
    assert response.status_code == 202
    run = wait(operator, response.json()["run"]["id"])
    assert run["status"] == "finished" and run["done"] == 2
    assert outcomes(run) == {"alpha": "done", "beta": "done", "frozen": "refused"}
    frozen = next(row for row in run["summary"] if row["queue"] == "frozen")
    assert "read-only" in frozen["message"]
    assert paused(redis_url) == {"alpha": True, "beta": True, "frozen": False, "secret": False}
    entry = AuditEntry.objects.get(action="board-pause-all")
    assert entry.outcome == "partial" and entry.affected == 2
    assert {row["queue"]: row["status"] for row in entry.params["queues"]} == outcomes(run)
    again = wait(operator, start(operator, "pause-all").json()["run"]["id"])
    assert outcomes(again) == {"frozen": "refused"}  # the others are paused already
    resumed = wait(operator, start(operator, "resume-all").json()["run"]["id"])
    assert outcomes(resumed) == {"alpha": "done", "beta": "done"}
    assert not any(paused(redis_url).values())


def test_retry_failed_everywhere_then_a_worker_runs_them(
    operator: Client, board: Any, redis_url: str
) -> None:
    confirm = operator.get(reverse("queues:board-action", args=["retry-failed"])).content.decode()
    assert "<strong>4</strong> failed jobs in <strong>2</strong> queues" in confirm
    assert "frozen" in confirm and "secret" not in confirm
    run = wait(operator, start(operator, "retry-failed").json()["run"]["id"])
    assert run["status"] == "finished" and run["done"] == 4
    rows = {row["queue"]: row for row in run["summary"]}
    assert rows["alpha"]["done"] == 2 and rows["beta"]["done"] == 2
    assert rows["frozen"]["status"] == "refused" and "secret" not in rows

    async def counts() -> dict[str, dict[str, int]]:
        found = {}
        for name in QUEUES:
            queue = Queue(name, producers.opts(redis_url))
            found[name] = await queue.getJobCounts("failed", "wait")
            await queue.close()
        return found

    seen = asyncio.run(counts())
    assert seen["alpha"] == {"failed": 0, "wait": 5} and seen["beta"]["failed"] == 0
    assert seen["frozen"]["failed"] == 2 and seen["secret"]["failed"] == 2

    async def work() -> dict[str, int]:
        queue = Queue("alpha", producers.opts(redis_url))
        try:
            await producers.process_all(redis_url, queue, producers.processor, 3 + 5)
            return dict(await queue.getJobCounts("completed", "failed", "wait"))
        finally:
            await queue.close()

    after = asyncio.run(work())  # the retried jobs ran again (and failed again, by their data)
    assert after["completed"] >= 6 and after["completed"] + after["failed"] >= 8


def test_cancel_mid_run(
    operator: Client, bullmq_settings: Any, redis_url: str, settings: Any
) -> None:
    settings.QUEUEBOARD = {"BULK_BATCH_SIZE": 1}  # 9,000 calls: seconds, time to cancel
    for name in ("one", "two", "three"):
        write_finished_jobs(redis_url, name, 3000, state="failed")
    run_id = start(operator, "retry-failed").json()["run"]["id"]
    deadline = time.monotonic() + 30
    while operator.get(reverse("queues:api-board-run", args=[run_id])).json()["run"]["done"] < 10:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    cancelled = operator.post(reverse("queues:api-board-run-cancel", args=[run_id]))
    assert cancelled.status_code == 200
    run = wait(operator, run_id)
    assert run["status"] == "cancelled"
    assert 0 < run["done"] < 9000
    states = list(outcomes(run).values())
    first = states.index("cancelled")  # the queue being worked on, and every one after it
    assert set(states[first:]) == {"cancelled"} and set(states[:first]) <= {"done"}
    entry = AuditEntry.objects.get(action="board-retry-failed")
    assert entry.outcome == "cancelled" and entry.affected == run["done"]


def test_refused_without_permission_or_csrf(
    client: Client, staff_user: Any, board: Any, redis_url: str
) -> None:
    client.force_login(grant(staff_user, "retry_jobs"))
    denied = start(client, "pause-all")
    assert denied.status_code == 403
    assert "queues.pause_queues" in denied.json()["error"]["message"]
    assert client.get(reverse("queues:board-action", args=["pause-all"])).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(grant(staff_user, "pause_queues"))
    assert start(strict, "pause-all").status_code == 403
    assert not any(paused(redis_url).values())
    assert AuditEntry.objects.filter(action="board-pause-all", outcome="refused").count() == 1


def test_the_overview_bar_and_the_confirmation(operator: Client, board: Any) -> None:
    overview = operator.get(reverse("queues:overview")).content.decode()
    assert 'id="board-actions"' in overview
    assert reverse("queues:board-action", args=["pause-all"]) in overview
    confirm = operator.get(reverse("queues:board-action", args=["pause-all"])).content.decode()
    assert "<strong>2</strong> queues" in confirm and 'id="confirm-refused"' in confirm
    done = operator.post(reverse("queues:board-action", args=["pause-all"]))
    assert done.status_code == 302
    page = operator.get(done["Location"])
    assert page.status_code == 200 and 'id="run-summary"' in page.content.decode()


def test_the_audit_log_names_and_filters_them(
    operator: Client, staff_user: Any, board: Any, django_user_model: Any
) -> None:
    from queues.actions.audit_choices import action_choices

    choices = dict(action_choices())
    assert choices["board-pause-all"] == "Pause all queues"
    assert choices["cancel-board-retry-failed"] == "Cancel retrying failed jobs in all queues"
    assert choices["obliterate"] == "Obliterate" and "cancel-obliterate" in choices
    wait(operator, start(operator, "pause-all").json()["run"]["id"])
    operator.force_login(grant(staff_user, "view_auditentry"))
    api = operator.get(reverse("queues:api-audit"), {"action": "board-pause-all"}).json()
    (entry,) = api["entries"]
    assert {row["queue"] for row in entry["params"]["queues"]} == {"alpha", "beta", "frozen"}
    page = operator.get(reverse("queues:audit"), {"action": "board-pause-all"}).content.decode()
    assert "Queues: 2 done, 1 refused." in page
    # another user's board-wide entry names queues they may not see: theirs alone
    other = Client()
    other.force_login(grant(django_user_model.objects.create_user("other", is_staff=True),
                            "view_auditentry"))  # fmt: skip
    assert (
        other.get(reverse("queues:api-audit"), {"action": "board-pause-all"}).json()["entries"]
        == []
    )
