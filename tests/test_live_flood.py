"""Frames from a client: the board's sockets expect none, so the first one closes the socket
(4008, policy violation) and a flood neither queues up nor grows the server's memory (issue
10, F10.2).

Against a real daphne, with the RFC 6455 client of ``tests.live_ws_client``.
"""

from __future__ import annotations

import asyncio
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from queues.live.consumers import UNEXPECTED_FRAME
from tests.live_helpers import session_cookie
from tests.live_servers import Daphne, daphne
from tests.live_ws_client import Closed, WsClient
from tests.redis_server import free_port

pytestmark = pytest.mark.django_db(transaction=True)
SOCKETS = 4
FRAME = 64 * 1024
#: What each socket tries to send: 4 x 48 MiB in all.
FLOOD = 48 * 1024 * 1024
#: The server may grow by this much at most while it is flooded: half of what the sockets try
#: to send (before the fix it grew by about as much as it was sent, and kept it; a loaded
#: machine reads more of the flood before the close takes effect: 72 MiB was seen).
GROWTH_BOUND = SOCKETS * FLOOD // 2
#: 4008, policy violation (daphne sends no 1008 for an application), as WsClient reports it.
POLICY_VIOLATION = f"{UNEXPECTED_FRAME:04x}"


@pytest.fixture
def board(redis_url: str) -> Iterator[Daphne]:
    server = daphne(free_port(), redis_url).start()
    try:
        yield server
    finally:
        server.stop()


def rss(pid: int) -> int:
    """The resident memory of process ``pid``, in bytes (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def text_frame(size: int) -> bytes:
    """One masked text frame of ``size`` bytes (built once, sent many times)."""
    payload = b"x" * size
    mask = os.urandom(4)
    keystream = (mask * (size // 4 + 1))[:size]
    masked = (int.from_bytes(payload) ^ int.from_bytes(keystream)).to_bytes(size)
    if size < 126:
        length = bytes([0x80 | size])
    elif size < 65536:
        length = bytes([0x80 | 126]) + struct.pack("!H", size)
    else:
        length = bytes([0x80 | 127]) + struct.pack("!Q", size)
    return bytes([0x81]) + length + mask + masked


async def close_code(client: WsClient) -> str | None:
    """The code of the close frame the server sends (None if it just drops the connection)."""
    while True:
        try:
            await client.recv()
        except Closed as exc:
            return str(exc) if len(str(exc)) == 4 else None


async def flood(client: WsClient, frame: bytes, total: int) -> int:
    """Send ``frame`` until ``total`` bytes went out or the server drops the connection."""
    sent = 0
    try:
        while sent < total:
            client.writer.write(frame)
            sent += len(frame)
            await client.writer.drain()
    except (ConnectionError, RuntimeError):
        pass
    return sent


async def scenario(board: Daphne, cookie: str) -> tuple[list[str | None], int]:
    url = board.url.replace("http", "ws") + "/ws/"
    clients = [await WsClient.connect(url, cookie=f"sessionid={cookie}") for _ in range(SOCKETS)]
    codes = [asyncio.create_task(close_code(client)) for client in clients]
    await asyncio.sleep(0.5)  # the snapshots went out, the reader started
    assert board.process is not None
    before = rss(board.process.pid)
    frame = text_frame(FRAME)
    try:
        await asyncio.gather(*(flood(client, frame, FLOOD) for client in clients))
        await asyncio.wait(codes, timeout=10)
        await asyncio.sleep(1.0)  # what the server still held of the flood is processed now
        growth = rss(board.process.pid) - before
    finally:
        for client in clients:
            await client.close()
    return [
        task.result() if task.done() and not task.cancelled() else "open" for task in codes
    ], growth


def test_a_flooding_client_is_closed_and_memory_stays_bounded(
    board: Daphne, staff_user: Any
) -> None:
    codes, growth = asyncio.run(scenario(board, session_cookie(staff_user)))
    assert codes == [POLICY_VIOLATION] * SOCKETS
    assert growth < GROWTH_BOUND, f"daphne grew by {growth / 2**20:.0f} MiB"
    assert "Traceback" not in board.log_tail()


async def one_text(board: Daphne, cookie: str, data: bytes) -> str | None:
    client = await WsClient.connect(board.url.replace("http", "ws") + "/ws/", cookie=cookie)
    await asyncio.sleep(0.3)  # accepted (an empty board sends no snapshot)
    client._send(0x1, data)
    await client.writer.drain()
    try:
        return await asyncio.wait_for(close_code(client), 5)
    finally:
        await client.close()


def test_a_single_message_closes_the_socket(board: Daphne, staff_user: Any) -> None:
    cookie = f"sessionid={session_cookie(staff_user)}"
    assert asyncio.run(one_text(board, cookie, b'{"type": "ping"}')) == POLICY_VIOLATION
