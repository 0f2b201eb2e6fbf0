"""WebSocket consumers: refusals before accept, and fragments after real BullMQ events."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from bullmq import Queue, Worker

from queues.live import groups
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


@pytest.fixture
def live(settings: Any, bullmq_settings: dict[str, Any]) -> dict[str, Any]:
    use_live(settings)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    return bullmq_settings


def refused(path: str, user: Any | None, origin: str = "http://localhost") -> bool:
    cookie = session_cookie(user) if user is not None else None
    return asyncio.run(_refused(path, cookie, origin))


async def _refused(path: str, cookie: str | None, origin: str) -> bool:
    comm = communicator(path, cookie, origin)
    try:
        connected, _ = await comm.connect(timeout=5)
        return not connected
    finally:
        await comm.disconnect()
        await stop_live()


def test_anonymous_is_refused(live: Any) -> None:
    assert refused("/ws/", None)


def test_user_without_board_access_is_refused(live: Any, plain_user: Any) -> None:
    assert refused("/ws/", plain_user)
    assert refused("/ws/queue/bullmq/anything/", plain_user)


def test_foreign_origin_is_refused(live: Any, staff_user: Any) -> None:
    assert refused("/ws/", staff_user, origin="http://evil.example")
    assert not refused("/ws/", staff_user)


def test_hidden_and_forbidden_queues_are_refused(
    live: Any, settings: Any, staff_user: Any, redis_url: str
) -> None:
    entry = {**live, "HIDDEN_QUEUES": ["secret"]}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}
    assert refused("/ws/queue/bullmq/secret/", staff_user)
    assert refused("/ws/queue/bullmq/secret/job/1/", staff_user)
    assert refused("/ws/queue/nope/q/", staff_user)
    settings.QUEUEBOARD = {"ACCESS": "tests.access_rules.no_bullmq"}
    assert refused("/ws/queue/bullmq/open/", staff_user)
    from tests import sample_tasks

    sample_tasks.add.using(queue_name="default").enqueue(1, 1)  # the queue exists
    assert not refused("/ws/queue/tasks/default/", staff_user)


def test_hidden_queue_is_never_pushed_to_the_overview(
    live: Any, settings: Any, staff_user: Any, redis_url: str
) -> None:
    entry = {**live, "HIDDEN_QUEUES": ["secret"]}
    settings.QUEUEBOARD_BACKENDS = {**settings.QUEUEBOARD_BACKENDS, "bullmq": entry}

    cookie = session_cookie(staff_user)

    async def scenario() -> list[str]:
        shown, secret = Queue("shown", opts(redis_url)), Queue("secret", opts(redis_url))
        await shown.add("a", {})
        await secret.add("a", {})
        comm = communicator("/ws/", cookie)
        received: list[str] = []
        try:
            assert (await comm.connect(timeout=5))[0]
            await secret.add("b", {})
            await shown.add("b", {})
            await receive_until(
                comm,
                lambda m: (
                    (received.append(content(m)) or False)
                    or ('data-queue="shown"' in content(m) and ">2</a>" in content(m))
                ),
            )
            await secret.add("c", {})
            await asyncio.sleep(1.5)  # a resync too
            while not await comm.receive_nothing(timeout=0.2):
                received.append(content(await receive_until(comm, lambda m: True)))
        finally:
            await comm.disconnect()
            await stop_live()
            await shown.close()
            await secret.close()
        return received

    received = asyncio.run(scenario())
    text = "".join(received)
    assert 'data-queue="shown"' in text
    assert "secret" not in text
    assert groups.queue_row_id("bullmq", "secret") not in text


def test_queue_page_receives_counts_rows_and_progress(
    live: Any, staff_user: Any, redis_url: str
) -> None:
    cookie = session_cookie(staff_user)

    async def scenario() -> None:
        queue = Queue("live", opts(redis_url))
        await queue.add("first", {"n": 1})
        comm = communicator("/ws/queue/bullmq/live/", cookie)
        try:
            assert (await comm.connect(timeout=5))[0]
            snapshot = await receive_until(comm, lambda m: "qb-tab-count-waiting" in content(m))
            assert re.search(r'id="qb-tab-count-waiting" hx-swap-oob="true">1<', content(snapshot))
            await asyncio.sleep(0.5)  # the watch reaches the reader
            job = await queue.add("second", {"n": 2})
            added = await receive_until(
                comm,
                lambda m: (
                    'id="qb-tab-count-waiting" hx-swap-oob="true">2<' in content(m)
                    or "entered" in m.get("qb", {})
                ),
            )
            if "entered" not in added.get("qb", {}):
                added = await receive_until(comm, lambda m: "entered" in m.get("qb", {}))
            assert added["qb"]["entered"]["waiting"] == 1
            assert f'data-job-id="{job.id}"' in added["qb"]["rows"]["waiting"]

            async def work(job: Any, token: str) -> Any:
                await job.updateProgress(42)
                await asyncio.sleep(0.3)
                return "ok"

            worker = Worker("live", work, {**opts(redis_url), "drainDelay": 1})
            try:
                cell = groups.progress_cell_id("bullmq", "live", job.id)
                progress = await receive_until(
                    comm, lambda m: f'id="{cell}"' in content(m) and 'value="42"' in content(m)
                )
                assert 'hx-swap-oob="true"' in content(progress)
                done = await receive_until(
                    comm,
                    lambda m: 'id="qb-tab-count-completed" hx-swap-oob="true">2<' in content(m),
                )
                assert 'id="qb-tab-count-waiting" hx-swap-oob="true">0<' in content(done)
            finally:
                await worker.close(force=True)
        finally:
            await comm.disconnect()
            await stop_live()
            await queue.close()

    asyncio.run(scenario())


def test_job_page_receives_state_progress_timeline_and_logs(
    live: Any, staff_user: Any, redis_url: str
) -> None:
    cookie = session_cookie(staff_user)

    async def scenario() -> None:
        queue = Queue("jobs", opts(redis_url))
        job = await queue.add("one", {"n": 1})
        comm = communicator(f"/ws/queue/bullmq/jobs/job/{job.id}/", cookie)
        release = asyncio.Event()
        try:
            assert (await comm.connect(timeout=5))[0]
            snapshot = await receive_until(comm, lambda m: 'id="job-state"' in content(m))
            assert ">Waiting</span>" in content(snapshot)
            await asyncio.sleep(0.5)

            async def work(job: Any, token: str) -> Any:
                await job.log("line one")
                await job.updateProgress(30)
                await release.wait()
                raise ValueError("planned")

            worker = Worker("jobs", work, {**opts(redis_url), "drainDelay": 1})
            try:
                await receive_until(
                    comm, lambda m: 'id="job-progress"' in content(m) and 'value="30"' in content(m)
                )
                logs = await receive_until(comm, lambda m: "line one" in content(m))
                assert 'id="job-logs"' in content(logs)
                release.set()
                failed = await receive_until(comm, lambda m: ">Failed</span>" in content(m))
                assert 'id="job-timeline" hx-swap-oob="true"' in content(failed)
                assert "<strong>Failed</strong>" in content(failed)
            finally:
                await worker.close(force=True)
        finally:
            await comm.disconnect()
            await stop_live()
            await queue.close()

    asyncio.run(scenario())
