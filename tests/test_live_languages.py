"""Live pushes speak each viewer's language: a change is rendered once per language viewers
speak (not once per viewer, not only in LANGUAGE_CODE), and each viewer gets its own."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from bullmq import Queue
from channels.testing import WebsocketCommunicator
from django.utils import translation

from queues.live import groups
from queues.states import JobState
from tests import sample_tasks
from tests.live_helpers import application, content, receive_until, session_cookie, stop_live
from tests.live_helpers import use_live as use_live_settings
from tests.live_servers import Daphne
from tests.live_ws_client import WsClient
from tests.test_live_multiprocess import QUEUE as MULTI_QUEUE
from tests.test_live_multiprocess import two_boards  # noqa: F401 - a fixture
from tests.test_live_tasks import run_worker

pytestmark = pytest.mark.django_db(transaction=True)
QUEUE = "live-languages"
#: The sidebar count's title, in English and German (queues/sidebar_count.py).
FAILED_TITLE = {"en": "0 failed jobs", "de": "0 fehlgeschlagene Jobs"}
#: A job page's actions, rendered by the consumers for their users (queues/live/render.py).
ACTIONS = {"en": 'aria-label="Job actions"', "de": 'aria-label="Job-Aktionen"'}


@pytest.fixture
def live(settings: Any, tasks_settings: dict[str, Any]) -> None:
    use_live_settings(settings)


def viewer(path: str, cookie: str, language: str) -> WebsocketCommunicator:
    headers = [
        (b"origin", b"http://localhost"),
        (b"host", b"localhost"),
        (b"cookie", f"sessionid={cookie}".encode()),
        (b"accept-language", language.encode()),
    ]
    return WebsocketCommunicator(application(), path, headers=headers)


def tab_count(state: str, n: int) -> re.Pattern[str]:
    return re.compile(rf'id="{groups.tab_count_id(state)}"[^>]*>{n}<')


def publisher() -> Any:
    from queues.live import leader

    service = leader.current()
    assert service is not None and service.reader is not None
    return service.reader.publisher


def test_each_viewer_of_a_queue_gets_pushes_in_its_language_rendered_once_per_language(
    live: Any, staff_user: Any
) -> None:
    cookie = session_cookie(staff_user)
    sample_tasks.add.using(queue_name=QUEUE).enqueue(1, 1)  # the queue exists
    path = f"/ws/queue/tasks/{QUEUE}/"

    async def scenario() -> None:
        languages = ["de", "de", "en"]
        comms = [viewer(path, cookie, language) for language in languages]
        try:
            for comm, language in zip(comms, languages, strict=True):
                assert (await comm.connect(timeout=5))[0]
                snapshot = content(await receive_until(comm, lambda m: bool(content(m))))
                assert FAILED_TITLE[language] in snapshot  # the sidebar's counts
            await asyncio.to_thread(lambda: sample_tasks.add.using(queue_name=QUEUE).enqueue(2, 2))
            for comm, language in zip(comms, languages, strict=True):
                pushed = await receive_until(
                    comm, lambda m: bool(tab_count("waiting", 2).search(content(m)))
                )
                other = FAILED_TITLE["de" if language == "en" else "en"]
                assert FAILED_TITLE[language] in content(pushed)
                assert other not in content(pushed)
            rendered = dict(publisher().rendered)
            # Two German viewers, one English: each change rendered once in each language.
            assert set(rendered) == {"en", "de"}
            assert rendered["de"] == rendered["en"] >= 1
        finally:
            for comm in comms:
                await comm.disconnect()
            await stop_live()

    asyncio.run(scenario())


def test_a_job_page_gets_its_regions_and_buttons_in_its_language(
    live: Any, staff_user: Any
) -> None:
    cookie = session_cookie(staff_user)
    job_id = str(sample_tasks.add.using(queue_name=QUEUE).enqueue(1, 1).id)
    path = f"/ws/queue/tasks/{QUEUE}/job/{job_id}/"
    completed = {}
    for language in ("en", "de"):
        with translation.override(language):
            completed[language] = str(JobState.COMPLETED.label)
    assert completed["en"] != completed["de"]

    async def scenario() -> None:
        languages = ["de", "en"]
        comms = [viewer(path, cookie, language) for language in languages]
        try:
            for comm, language in zip(comms, languages, strict=True):
                assert (await comm.connect(timeout=5))[0]
                assert ACTIONS[language] in content(await receive_until(comm, lambda m: True))
            await asyncio.to_thread(run_worker, QUEUE)
            for comm, language in zip(comms, languages, strict=True):
                pushed = await receive_until(comm, lambda m: bool(m.get("qb", {}).get("job")))
                other = "de" if language == "en" else "en"
                assert ACTIONS[language] in content(pushed)  # rendered by its consumer
                assert ACTIONS[other] not in content(pushed)
                # The job's regions, rendered by the publisher: its state's label.
                assert f'id="job-state" hx-swap-oob="true">{completed[language]}<' in content(
                    pushed
                )
            assert set(publisher().rendered) == {"en", "de"}
        finally:
            for comm in comms:
                await comm.disconnect()
            await stop_live()

    asyncio.run(scenario())


def test_a_viewer_on_another_process_gets_its_language(
    two_boards: list[Daphne],  # noqa: F811
    redis_url: str,
    staff_user: Any,
) -> None:
    """The reader's process learns the languages of the other process's viewers (channels_redis
    between two daphne processes): a German viewer there gets German pushes."""
    cookie = f"sessionid={session_cookie(staff_user)}"

    async def scenario() -> None:
        queue = Queue(MULTI_QUEUE, {"connection": redis_url, "prefix": "bull"})
        path = f"/ws/queue/bullmq/{MULTI_QUEUE}/"
        urls = [board.url.replace("http", "ws") + path for board in two_boards]
        first = await WsClient.connect(urls[0], cookie=cookie, language="en")
        clients = [first]
        try:
            for _ in range(100):  # the first viewer's process takes the reader's lock
                if "reads the queues" in two_boards[0].log_tail():
                    break
                await asyncio.sleep(0.1)
            assert "reads the queues" in two_boards[0].log_tail()
            german = await WsClient.connect(urls[1], cookie=cookie, language="de")
            clients.append(german)
            assert FAILED_TITLE["de"] in json.loads(await german.recv()).get("content", "")
            await asyncio.sleep(0.5)  # its hub told the reader's process it speaks German
            await queue.add("work", {})
            for client, language in ((german, "de"), (first, "en")):
                while True:
                    text = json.loads(await asyncio.wait_for(client.recv(), 15)).get("content", "")
                    if tab_count("waiting", 2).search(text):
                        break
                assert FAILED_TITLE[language] in text
        finally:
            for client in clients:
                await client.close()
            await queue.close()

    asyncio.run(scenario())
