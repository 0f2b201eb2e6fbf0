"""A tiny WebSocket client on ``asyncio.open_connection`` (no dependency): enough to watch.

It performs the RFC 6455 handshake with a session cookie and an Origin, then reads text frames;
pings are answered (daphne closes a connection that does not answer them), nothing else is sent.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import time


class WsClosed(Exception):
    pass


class WsClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.messages = 0
        self.last_message_at: float | None = None
        self.times: list[float] = []

    @classmethod
    async def connect(
        cls, port: int, path: str, cookie: str, wait: float = 10
    ) -> tuple[int, WsClient | None]:
        """(HTTP status of the handshake, client when it was 101)."""
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), wait)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://127.0.0.1:{port}\r\nCookie: sessionid={cookie}\r\n\r\n"
        )
        writer.write(request.encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), wait)
        status = int(head.split(b" ", 2)[1])
        if status != 101:
            writer.close()
            return status, None
        return status, cls(reader, writer)

    async def _frame(self) -> tuple[int, bytes]:
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        mask = await self.reader.readexactly(4) if second & 0x80 else b""
        data = await self.reader.readexactly(length)
        if mask:
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        return first & 0x0F, data

    def _send(self, opcode: int, data: bytes) -> None:
        mask = os.urandom(4)
        header = bytes([0x80 | opcode])
        if len(data) < 126:
            header += bytes([0x80 | len(data)])
        else:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(data))
        self.writer.write(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    async def receive(self) -> str:
        """The next text message; raises WsClosed at a close frame or a lost connection."""
        parts: list[bytes] = []
        while True:
            try:
                opcode, data = await self._frame()
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                raise WsClosed("connection lost") from exc
            if opcode == 0x9:  # ping
                self._send(0xA, data)
                continue
            if opcode == 0x8:
                raise WsClosed(f"closed by the server {data[:2].hex()}")
            if opcode in (0x1, 0x2, 0x0):  # daphne sends each message in one frame
                parts.append(data)
                self.messages += 1
                self.last_message_at = time.monotonic()
                self.times.append(self.last_message_at)
                return b"".join(parts).decode("utf-8", "replace")

    async def listen(self, until: float) -> None:
        """Receive until ``until`` (monotonic) or until the connection ends."""
        while (left := until - time.monotonic()) > 0:
            try:
                await asyncio.wait_for(self.receive(), left)
            except TimeoutError:
                return

    def close(self) -> None:
        try:
            self._send(0x8, struct.pack("!H", 1000))
        except Exception:
            pass
        self.writer.close()
