"""A minimal asyncio WebSocket client (RFC 6455) for tests and the benchmark: no dependency.

Enough for the board's consumers: the opening handshake with cookies and an Origin, text
frames in (fragments joined), pongs for pings, masked close frames out.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
from urllib.parse import urlsplit


class Refused(Exception):
    """The server answered the handshake with something other than 101."""


class Closed(Exception):
    pass


class WsClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        cookie: str | None = None,
        origin: str | None = None,
        language: str | None = None,
        receive_buffer: int | None = None,
    ) -> WsClient:
        """``receive_buffer``: the socket's receive buffer (SO_RCVBUF) in bytes, set before it
        connects, so that a client that stops reading (``pause``) soon fills the server's."""
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (host, port))
        reader, writer = await asyncio.open_connection(sock=sock, limit=2**24)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {parts.path or '/'} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            f"Origin: {origin or f'http://{host}:{port}'}",
        ]
        if cookie:
            lines.append(f"Cookie: {cookie}")
        if language:
            lines.append(f"Accept-Language: {language}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            writer.close()
            raise Refused(status.decode(errors="replace"))
        return cls(reader, writer)

    def pause(self) -> None:
        """Stop reading from the socket (what arrives stays in the kernel's buffers)."""
        self.writer.transport.pause_reading()  # type: ignore[attr-defined]

    def resume(self) -> None:
        self.writer.transport.resume_reading()  # type: ignore[attr-defined]

    async def _frame(self) -> tuple[int, bool, bytes]:
        first, second = await self.reader.readexactly(2)
        fin, opcode, length = bool(first & 0x80), first & 0x0F, second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        mask = await self.reader.readexactly(4) if second & 0x80 else None
        payload = await self.reader.readexactly(length)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return opcode, fin, payload

    def _send(self, opcode: int, payload: bytes = b"") -> None:
        mask = os.urandom(4)
        header = bytes([0x80 | opcode])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        else:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        self.writer.write(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    async def recv(self) -> str:
        """The next text message; raises ``Closed`` when the server closes."""
        parts: list[bytes] = []
        while True:
            try:
                opcode, fin, payload = await self._frame()
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                raise Closed(str(exc)) from exc
            if opcode == 0x8:
                raise Closed(payload[:2].hex())
            if opcode == 0x9:
                self._send(0xA, payload)
                continue
            if opcode in (0x1, 0x2, 0x0):
                parts.append(payload)
                if fin:
                    return b"".join(parts).decode()

    async def close(self) -> None:
        try:
            self._send(0x8, struct.pack("!H", 1000))
            await self.writer.drain()
        except (ConnectionError, RuntimeError):
            pass
        self.writer.close()
