"""Live frames under daphne go straight to each socket (``queues.live.daphne_frames``), framed
once per text, and arrive whole and in order, also at a client that stops reading for a
while (its frames then wait in Twisted's buffer behind what it holds)."""

from __future__ import annotations

import asyncio
import functools
import json
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from bullmq import Job, Queue

from queues.live.daphne_frames import frame_of, socket_writer
from tests.live_helpers import session_cookie
from tests.live_servers import ROOT, Daphne, daphne
from tests.live_ws_client import Closed, WsClient
from tests.redis_server import free_port

QUEUE = "frames"
LOG_LINES = 100
LAST = 100
PROGRESS = re.compile(r'<progress class="qb-progress" max="100" value="(\d+)"')
COUNTED = [sys.executable, str(ROOT / "tests" / "daphne_frames_counted.py"), "-b", "127.0.0.1"]


async def parsed(frame: bytes) -> tuple[int, bool, bytes]:
    reader = asyncio.StreamReader()
    reader.feed_data(frame)
    reader.feed_eof()
    return await WsClient(reader, None)._frame()  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 200_000])
def test_a_frame_is_one_whole_unmasked_text_message(size: int) -> None:
    text = ("é✓x" * size)[:size]
    frame = frame_of(text)
    opcode, fin, payload = asyncio.run(parsed(frame))
    assert (opcode, fin) == (0x1, True)
    assert payload.decode() == text
    assert len(frame) - len(payload) == 2 + (2 if 126 <= len(payload) <= 65535 else 0) + (
        8 if len(payload) > 65535 else 0
    )


def test_a_text_is_framed_once_while_it_fans_out() -> None:
    text = "<div>" + "x" * 1000 + "</div>"
    assert frame_of(text) is frame_of(text)


def test_other_servers_sends_keep_the_asgi_path() -> None:
    async def send(message: dict[str, Any]) -> None: ...

    assert socket_writer(send) is None
    assert socket_writer(functools.partial(print, object())) is None


@pytest.fixture
def board(redis_url: str) -> Iterator[Daphne]:
    asyncio.run(seed(redis_url))
    server = daphne(free_port(), redis_url, live={"BLOCK": 0.5}, command=COUNTED).start()
    try:
        yield server
    finally:
        server.stop()


async def seed(redis_url: str) -> None:
    queue = Queue(QUEUE, {"connection": redis_url, "prefix": "bull"})
    job = await queue.add("work", {})
    for _ in range(LOG_LINES):  # in the job page's snapshot: 200 KB, more than sockets hold
        await job.log("y" * 2000)
    huge = await queue.add("huge", {})
    for _ in range(LOG_LINES):  # 3 MB: more than a WebSocket message may be
        await huge.log("z" * 30_000)
    await queue.close()


async def collect(client: WsClient, into: list[str]) -> None:
    while True:
        try:
            into.append(await client.recv())
        except Closed:
            return


def progress(text: str) -> list[str]:
    """The progress values a frame's text sets."""
    return PROGRESS.findall(json.loads(text).get("content", ""))


def up_to_last(texts: list[str]) -> list[str]:
    """The texts of progress after the snapshot, up to the one with the last progress (what
    else a page gets, such as counts, may come before or after its snapshot)."""
    shown = [text for text in texts[1:] if progress(text)]
    for index, text in enumerate(shown):
        if str(LAST) in progress(text):
            return shown[: index + 1]
    return shown


def reached_last(texts: list[str]) -> bool:
    shown = up_to_last(texts)
    return bool(shown) and str(LAST) in progress(shown[-1])


async def until(check: Any, seconds: float) -> None:
    for _ in range(int(seconds * 10)):
        if check():
            return
        await asyncio.sleep(0.1)


async def scenario(board: Daphne, redis_url: str, cookie: str) -> None:
    queue = Queue(QUEUE, {"connection": redis_url, "prefix": "bull"})
    job = await Job.fromId(queue, "1")
    url = board.url.replace("http", "ws") + f"/ws/queue/bullmq/{QUEUE}/job/{job.id}/"
    fast = await WsClient.connect(url, cookie=f"sessionid={cookie}")
    slow = await WsClient.connect(url, cookie=f"sessionid={cookie}", receive_buffer=4096)
    slow.pause()
    fast_texts: list[str] = []
    slow_texts: list[str] = []
    tasks = [asyncio.create_task(collect(fast, fast_texts))]
    try:
        await until(lambda: fast_texts, 30)  # the snapshot
        tasks.append(asyncio.create_task(collect(slow, slow_texts)))
        for _ in range(100):  # until the reader follows the queue
            await job.updateProgress(1)
            await asyncio.sleep(0.3)
            if any(progress(text) for text in fast_texts):
                break
        for n in range(2, LAST + 1):
            await job.updateProgress(n)
            await asyncio.sleep(0.01)
        await until(lambda: reached_last(fast_texts), 30)
        slow.resume()
        await until(lambda: reached_last(slow_texts), 30)
    finally:
        for client in (fast, slow):
            await client.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await queue.close()
    assert reached_last(fast_texts)
    assert len(up_to_last(fast_texts)) >= 5  # the reader sends what a flush saw as one
    assert up_to_last(slow_texts) == up_to_last(fast_texts)


@pytest.mark.django_db(transaction=True)
def test_frames_beneath_daphnes_send_arrive_whole_and_in_order(
    board: Daphne, redis_url: str, staff_user: Any
) -> None:
    asyncio.run(scenario(board, redis_url, session_cookie(staff_user)))
    log = board.log.read_text(errors="replace")
    assert "qb-frame beneath sent" in log  # straight to the socket
    assert "qb-frame beneath held" in log  # the paused client's, behind Twisted's buffer


async def oversized_scenario(board: Daphne, redis_url: str, cookie: str) -> list[str]:
    queue = Queue(QUEUE, {"connection": redis_url, "prefix": "bull"})
    huge = await Job.fromId(queue, "2")
    url = board.url.replace("http", "ws") + f"/ws/queue/bullmq/{QUEUE}/job/{huge.id}/"
    client = await WsClient.connect(url, cookie=f"sessionid={cookie}")
    texts: list[str] = []
    task = asyncio.create_task(collect(client, texts))
    try:
        await until(lambda: texts, 30)
        for _ in range(100):  # the small updates that follow still come
            await huge.updateProgress(42)
            await asyncio.sleep(0.3)
            if any(progress(text) for text in texts):
                break
    finally:
        await client.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await queue.close()
    return texts


@pytest.mark.django_db(transaction=True)
def test_a_snapshot_over_the_message_limit_becomes_a_resync_not_a_crash(
    board: Daphne, redis_url: str, staff_user: Any
) -> None:
    texts = asyncio.run(oversized_scenario(board, redis_url, session_cookie(staff_user)))
    assert json.loads(texts[0]) == {"qb": {"resync": True}}  # the page reads it over HTTP
    assert any("42" in progress(text) for text in texts[1:])
    log = board.log.read_text(errors="replace")
    assert "Exception inside application" not in log
    assert "Traceback" not in log
