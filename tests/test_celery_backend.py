"""The Celery backend on tasks sent by real Celery producers and run by a real ``celery worker``:
waiting tasks counted (never listed) across kombu's priority lists, queues found from the
broker's bindings, tasks read by id from the result backend, and bad stored results shown with
a note, never a 500; reading any page changes nothing in Redis."""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis
from asgiref.sync import async_to_sync
from django.urls import reverse

from queues.backends.errors import JobNotFound, QueueNotFound
from queues.backends.types import JobQuery
from queues.states import JobState
from tests.contract import ContractEnv
from tests.fixtures_celery import RESULT_TIMEOUT, producer, start_worker, stop_worker
from tests.fixtures_rq import HOSTILE, snapshot

pytestmark = pytest.mark.django_db(transaction=True)


def run(function: Any, *args: Any) -> Any:
    return async_to_sync(function)(*args)


def counts(backend: Any) -> dict[str, int]:
    return {q.name: q.counts[JobState.WAITING] for q in run(backend.list_queues)}


def test_waiting_tasks_are_counted_across_priority_lists(
    celery_backend: Any, redis_url: str
) -> None:
    app = producer(redis_url)
    for priority in (0, 2, 3, 5, 9, None):
        app.send_task("tests.add", (1, 1), queue="emails", priority=priority)
    app.send_task("tests.add", (1, 1), queue="reports")
    app.close()
    client = redis.Redis.from_url(redis_url)
    assert client.llen(b"emails\x06\x163") == 2 and client.llen(b"emails\x06\x169") == 1
    client.close()
    assert counts(celery_backend) == {"emails": 6, "reports": 1}
    assert run(celery_backend.get_queue, "emails").counts == {JobState.WAITING: 6}


def test_queues_come_from_the_bindings_without_celerys_own(
    celery_backend: Any, redis_url: str
) -> None:
    """A running worker binds its remote-control queue too: that one is not a task queue."""
    worker = start_worker(redis_url, "emails", "reports", name="bound")
    client = redis.Redis.from_url(redis_url)
    try:
        app = producer(redis_url)
        result = app.send_task("tests.add", (2, 3), queue="emails")
        assert result.get(timeout=RESULT_TIMEOUT) == 5
        app.close()
        assert client.exists(b"_kombu.binding.celery.pidbox")
        assert sorted(counts(celery_backend)) == ["emails", "reports"]
    finally:
        stop_worker(worker)
        client.close()


def test_fixed_queues_and_unknown_ones(celery_settings: dict[str, Any], settings: Any) -> None:
    from queues.backends import backends

    celery_settings["OPTIONS"]["queues"] = ["celery", "emails"]
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "celery": celery_settings}
    backend = backends["celery"]
    assert counts(backend) == {"celery": 0, "emails": 0}
    with pytest.raises(QueueNotFound):
        run(backend.get_queue, "other")
    with pytest.raises(QueueNotFound):
        run(backend.get_job, "other", "some-id")


def test_a_waiting_list_says_why_it_has_no_rows(celery_contract_env: ContractEnv) -> None:
    env = celery_contract_env
    page = run(env.backend.list_jobs, JobQuery(queue=env.queue, state=JobState.WAITING))
    assert page.jobs == [] and page.total == 4
    assert "counted, not listed" in (page.unlisted or "")


def test_the_queue_page_and_api_show_the_count_and_the_reason(
    staff_client: Any, celery_contract_env: ContractEnv
) -> None:
    page = staff_client.get(reverse("queues:queue", args=["celery", "contract"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "qb-unlisted" in html and "4 waiting jobs" in html and "counted, not listed" in html
    assert 'name="id"' in html  # find a task by its id instead
    api = staff_client.get(reverse("queues:api-jobs", args=["celery", "contract"])).json()
    assert api["total"] == 4 and api["jobs"] == [] and "counted, not listed" in api["unlisted"]
    queues = staff_client.get(reverse("queues:api-queues")).json()["queues"]
    (shown,) = [q for q in queues if q["backend"] == "celery"]
    assert shown["counts"] == {"waiting": 4} and shown["counted_only"] == ["waiting"]


def test_a_task_found_by_id_opens_its_page(
    staff_client: Any, celery_contract_env: ContractEnv
) -> None:
    url = reverse("queues:find-job", args=["celery", "contract"])
    found = staff_client.get(url, {"id": "contract-fail-1"})
    assert found["Location"] == reverse(
        "queues:job", args=["celery", "contract", "contract-fail-1"]
    )
    page = staff_client.get(found["Location"]).content.decode()
    assert "ContractError: boom" in page and "tests.fail" in page
    done = staff_client.get(reverse("queues:job", args=["celery", "contract", "contract-done-2"]))
    text = done.content.decode()
    assert HOSTILE not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    api = staff_client.get(
        reverse("queues:api-job", args=["celery", "contract", "contract-done-1"])
    )
    job = api.json()["job"]
    assert job["state"] == "completed" and job["return_value"] == 3 and job["name"] == "tests.add"
    assert job["actions"] == []
    waiting = staff_client.get(url, {"id": "contract-wait-1"})  # no result stored yet
    assert waiting["Location"] == reverse("queues:queue", args=["celery", "contract"])


def test_no_action_is_offered_and_each_is_refused(
    staff_client: Any, celery_contract_env: ContractEnv
) -> None:
    url = reverse("queues:job-action", args=["celery", "contract", "contract-fail-1", "retry"])
    refused = staff_client.post(url, HTTP_ACCEPT="application/json")
    assert refused.status_code == 403 and "Celery cannot retry." in refused.content.decode()


def test_reading_every_page_changes_nothing_in_redis(
    staff_client: Any, celery_contract_env: ContractEnv, redis_url: str
) -> None:
    urls = [
        reverse("queues:overview"),
        reverse("queues:api-queues"),
        reverse("queues:queue", args=["celery", "contract"]),
        reverse("queues:api-jobs", args=["celery", "contract"]),
    ]
    for ids in celery_contract_env.by_id.values():
        for task_id in ids:
            urls.append(reverse("queues:job", args=["celery", "contract", task_id]))
            urls.append(reverse("queues:api-job", args=["celery", "contract", task_id]))
    client = redis.Redis.from_url(redis_url)
    try:
        before = snapshot(client)
        for url in urls:
            assert staff_client.get(url).status_code == 200, url
        after = snapshot(client)
    finally:
        client.close()
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}


# -- bad and unusual stored results ---------------------------------------------------------------


def store(redis_url: str, task_id: str, value: bytes | dict[str, Any]) -> None:
    client = redis.Redis.from_url(redis_url)
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    client.set(f"celery-task-meta-{task_id}", raw)
    client.close()


def detail(backend: Any, task_id: str, queue: str = "contract") -> Any:
    return run(backend.get_job, queue, task_id)


def test_a_pickled_result_is_never_unpickled(
    celery_contract_env: ContractEnv, redis_url: str, tmp_path: Any
) -> None:
    worker = start_worker(redis_url, "contract", name="pickling", QB_CELERY_SERIALIZER="pickle")
    try:
        app = producer(redis_url, serializer="pickle")
        app.send_task("tests.add", (2, 2), queue="contract", task_id="pickled").get(
            timeout=RESULT_TIMEOUT
        )
        app.close()
    finally:
        stop_worker(worker)
    job = detail(celery_contract_env.backend, "pickled")
    assert job.state == JobState.COMPLETED and job.return_value.opaque == "pickle"
    assert any("never unpickles" in note for note in job.problems)
    # A pickle that would run code if loaded: read by its opcodes only, nothing is built.
    marker = tmp_path / "pwned"
    store(redis_url, "evil", b"\x80\x04cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR.")
    evil = detail(celery_contract_env.backend, "evil")
    assert evil.state == JobState.FAILED and any("no status" in n for n in evil.problems)
    assert not marker.exists()


def test_corrupt_wrong_and_huge_results_get_a_note(
    celery_contract_env: ContractEnv, redis_url: str, staff_client: Any
) -> None:
    backend = celery_contract_env.backend
    store(redis_url, "corrupt", b"\xff\xfe{not json")
    store(redis_url, "list", b"[1, 2]")
    store(redis_url, "huge", b'{"status": "SUCCESS", "result": "' + b"x" * (5 << 20) + b'"}')
    store(redis_url, "other-queue", {"status": "SUCCESS", "result": 1, "name": "t", "queue": "x"})
    store(
        redis_url, "plain", {"status": "SUCCESS", "result": [1], "date_done": "2026-01-01T00:00:00"}
    )
    store(redis_url, "custom", {"status": "PROGRESS", "result": {"done": 3}, "name": "t"})
    client = redis.Redis.from_url(redis_url)
    client.hset("celery-task-meta-hash", "status", "SUCCESS")
    client.close()
    assert any("neither JSON nor a pickle" in n for n in detail(backend, "corrupt").problems)
    assert any("not an object" in n for n in detail(backend, "list").problems)
    assert any("too large to read" in n for n in detail(backend, "huge").problems)
    plain = detail(backend, "plain")
    assert plain.finished_at and plain.finished_at.tzinfo is not None
    assert any("result_extended" in n for n in plain.problems)
    custom = detail(backend, "custom")
    assert custom.state == JobState.ACTIVE and custom.progress.value == {"done": 3}
    for missing in ("other-queue", "hash", "x" * 300, ""):
        with pytest.raises(JobNotFound):
            detail(backend, missing)
    for task_id in ("corrupt", "list", "huge", "plain", "custom"):
        url = reverse("queues:job", args=["celery", "contract", task_id])
        assert staff_client.get(url).status_code == 200, task_id
    hidden = reverse("queues:job", args=["celery", "contract", "other-queue"])
    assert staff_client.get(hidden).status_code == 404


def test_without_a_result_backend_tasks_are_not_read_by_id(
    celery_settings: dict[str, Any], settings: Any, celery_contract_env: ContractEnv
) -> None:
    from queues.backends import backends

    celery_settings["OPTIONS"] = {"url": celery_settings["OPTIONS"]["url"]}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "celery": celery_settings}
    backend = backends["celery"]
    with pytest.raises(JobNotFound):
        run(backend.get_job, "contract", "contract-done-1")
    assert "result_url" in str(backend.unlisted_reason(JobState.WAITING))


def test_checks_name_bad_options(settings: Any) -> None:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.QUEUEBOARD_BACKENDS = {
        **settings.QUEUEBOARD_BACKENDS,
        "celery": {
            "BACKEND": "queues.backends.celery.CeleryBackend",
            "OPTIONS": {"url": "redis://127.0.0.1:1/0", "queues": "celery", "brokr": 1},
        },
    }
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    message = str(raised.value)
    assert "Unknown option 'brokr'" in message and "'queues' option must be a list" in message
