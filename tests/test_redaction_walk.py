"""Redaction across every surface: jobs written and run by a real Node bullmq worker carry one
secret under several key spellings (data, options, logs, return value, failure reason); every
page, API answer, download, search, failure group and live message is walked for it.

Absent for a staff user without ``queues.view_unredacted``; present for one with it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from bullmq import Queue, Worker
from django.test import Client
from django.urls import reverse

from tests.actions_helpers import grant
from tests.bullmq_producers import opts
from tests.fixtures_bullmq import run_node
from tests.live_helpers import (
    communicator,
    content,
    receive_until,
    session_cookie,
    stop_live,
    use_live,
)

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Zq7Sekret"
Q = "logins"
JOB_TABS = ("data", "options", "logs", "error", "timeline")


@pytest.fixture
def jobs(node_modules: Any, bullmq_settings: dict[str, Any], redis_url: str) -> dict[str, str]:
    return dict(json.loads(run_node("redaction_jobs.mjs", redis_url, Q, SECRET)))


@pytest.fixture
def masked_client(staff_user: Any) -> Client:
    client = Client()
    client.force_login(grant(staff_user, "add_jobs", "edit_jobs"))
    return client


@pytest.fixture
def auditor(django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user("auditor", password="pw", is_staff=True)
    return grant(user, "view_unredacted", "add_jobs", "edit_jobs")


@pytest.fixture
def unmasked_client(auditor: Any) -> Client:
    client = Client()
    client.force_login(auditor)
    return client


def surfaces(jobs: dict[str, str]) -> list[str]:
    """Every URL of the board that shows what these jobs carry."""
    job = lambda name, job_id, *rest: reverse(name, args=["bullmq", Q, job_id, *rest])  # noqa: E731
    queue = lambda name: reverse(name, args=["bullmq", Q])  # noqa: E731
    urls = [
        f"{job('queues:job', job_id)}?tab={tab}" for job_id in jobs.values() for tab in JOB_TABS
    ]
    for job_id in jobs.values():
        urls += [job("queues:api-job", job_id)]
        urls += [job("queues:job-download", job_id, f) for f in ("data", "options", "return-value")]
    for state in ("completed", "failed", "waiting"):
        urls += [
            f"{queue('queues:queue')}?state={state}",
            f"{queue('queues:api-jobs')}?state={state}",
        ]
    urls += [queue("queues:queue-latest"), queue("queues:api-queue-latest")]
    urls += [
        queue("queues:failure-groups"),
        queue("queues:api-failure-groups"),
        reverse("queues:failures"),
    ]
    urls += [
        f"{queue('queues:add-job')}?from={jobs['completed']}",
        job("queues:job-edit", jobs["waiting"]),
    ]
    return urls


def read(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_no_surface_shows_the_secret_to_a_user_without_the_permission(
    jobs: dict[str, str], masked_client: Client, unmasked_client: Client
) -> None:
    for url in surfaces(jobs):
        assert SECRET not in read(masked_client, url), url
    page = read(
        masked_client, f"{reverse('queues:job', args=['bullmq', Q, jobs['completed']])}?tab=data"
    )
    assert "[redacted]" in page and "ada" in page  # masked, not hidden: the rest still shows
    shown = "".join(read(unmasked_client, url) for url in surfaces(jobs))
    for spelling in ("pw", "key", "token", "header", "opt", "log1", "log2", "return", "reason"):
        assert f"{SECRET}-{spelling}" in shown, spelling


def test_api_masks_each_spelling_at_any_depth(jobs: dict[str, str], masked_client: Client) -> None:
    url = reverse("queues:api-job", args=["bullmq", Q, jobs["completed"]])
    job = json.loads(read(masked_client, url))["job"]
    assert job["data"]["Password"] == job["data"]["API_KEY"] == "[redacted]"
    assert job["data"]["auth"] == {"token": "[redacted]", "scheme": "bearer"}
    assert job["data"]["headers"] == [{"Authorization": "[redacted]"}]
    assert job["data"]["user"] == "ada"
    assert job["return_value"] == {"session": {"access_token": "[redacted]"}, "ok": True}
    assert any("password=[redacted]" in line for line in job["logs"])


def test_searching_a_secret_finds_nothing_without_the_permission(
    jobs: dict[str, str], masked_client: Client, unmasked_client: Client
) -> None:
    page = reverse("queues:queue", args=["bullmq", Q])
    api = reverse("queues:api-jobs", args=["bullmq", Q])
    for state in ("completed", "failed", "waiting"):
        found = json.loads(read(masked_client, f"{api}?state={state}&q={SECRET}"))
        assert found["total"] == 0 and found["jobs"] == [], state
        body = read(masked_client, f"{page}?state={state}&q={SECRET}")  # the text is echoed
        assert "qb-job-row" not in body and f"0 matches for “{SECRET}”" in body
        # Other text still finds the job; the permitted user finds it by the secret.
        assert json.loads(read(masked_client, f"{api}?state={state}&q=ada"))["total"] == 1
        assert json.loads(read(unmasked_client, f"{api}?state={state}&q={SECRET}"))["total"] == 1


def test_a_masked_value_cannot_be_sent_back(jobs: dict[str, str], masked_client: Client) -> None:
    url = reverse("queues:api-job-edit", args=["bullmq", Q, jobs["waiting"]])
    data = {"user": "ada", "Password": "[redacted]"}
    answer = masked_client.post(url, {"data": data}, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_job"
    answer = masked_client.post(
        reverse("queues:api-jobs", args=["bullmq", Q]),
        {"name": "login", "data": data},
        content_type="application/json",
    )
    assert answer.status_code == 400
    form = reverse("queues:job-edit", args=["bullmq", Q, jobs["waiting"]])
    body = masked_client.post(form, {"data": json.dumps(data)}).content.decode()
    assert "still holds masked values" in body


def test_live_job_pages_are_masked_unless_the_user_may_see_values(
    settings: Any, jobs: dict[str, str], staff_user: Any, auditor: Any, redis_url: str
) -> None:
    use_live(settings)
    masked, unmasked = session_cookie(staff_user), session_cookie(auditor)
    path = f"/ws/queue/bullmq/{Q}/job/{jobs['waiting']}/"

    async def scenario() -> tuple[str, str]:
        queue = Queue(Q, opts(redis_url))
        viewers = [communicator(path, masked), communicator(path, unmasked)]
        texts = ["", ""]
        try:
            for n, comm in enumerate(viewers):
                assert (await comm.connect(timeout=5))[0]
                snapshot = await receive_until(comm, lambda m: 'id="job-state"' in content(m))
                texts[n] += content(snapshot)
            await asyncio.sleep(0.5)  # the watch reaches the reader

            async def work(job: Any, token: str) -> Any:
                await job.log(f"retrying with token={SECRET}-live")
                return {"api_key": f"{SECRET}-live-return"}

            worker = Worker(Q, work, {**opts(redis_url), "drainDelay": 1})
            try:
                for n, comm in enumerate(viewers):
                    pushed = await receive_until(
                        comm, lambda m: "retrying with token" in content(m)
                    )
                    texts[n] += json.dumps(pushed)
            finally:
                await worker.close(force=True)
        finally:
            for comm in viewers:
                await comm.disconnect()
            await stop_live()
            await queue.close()
        return texts[0], texts[1]

    seen_masked, seen_unmasked = asyncio.run(scenario())
    assert SECRET not in seen_masked and "token=[redacted]" in seen_masked
    assert f"token={SECRET}-live" in seen_unmasked


def test_the_audit_log_masks_edited_data(
    jobs: dict[str, str], staff_user: Any, auditor: Any, unmasked_client: Client
) -> None:
    url = reverse("queues:api-job-edit", args=["bullmq", Q, jobs["waiting"]])
    data = {"user": "ada", "Password": f"{SECRET}-edited"}
    answer = unmasked_client.post(url, {"data": data}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    masked = Client()
    masked.force_login(grant(staff_user, "view_auditentry"))
    pages = [reverse("queues:audit"), reverse("queues:api-audit")]
    assert all(SECRET not in read(masked, page) for page in pages)
    assert "[redacted]" in read(masked, reverse("queues:api-audit"))
    shown = Client()
    shown.force_login(grant(auditor, "view_auditentry"))
    assert f"{SECRET}-edited" in read(shown, reverse("queues:api-audit"))
