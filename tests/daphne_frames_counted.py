"""daphne, with a line in its log for each live frame the board writes beneath the ASGI send
(``queues.live.daphne_frames``): whether it went, and whether Twisted holds some of it after.
Each WebSocket's send buffer is set small (``SEND_BUFFER``; Linux would grow it to megabytes),
so that a client that stops reading soon fills it.

Run as daphne is (``python tests/daphne_frames_counted.py -b HOST -p PORT APP``); the frames
and the server are the real ones, only counted.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from daphne.cli import CommandLineInterface
from daphne.ws_protocol import WebSocketProtocol

from queues.live.daphne_frames import SocketWriter

MARK = "qb-frame"
SEND_BUFFER = 8192
_write = SocketWriter.write
_connection_made = WebSocketProtocol.connectionMade


def counted_write(self: SocketWriter, text: str) -> bool:
    written = _write(self, text)
    transport = self.protocol.transport
    held = written and bool(transport._tempDataLen or transport.offset != len(transport.dataBuffer))
    print(MARK, "beneath" if written else "asgi", "held" if held else "sent", flush=True)
    return written


def small_send_buffer(self: Any) -> None:
    self.transport.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
    _connection_made(self)


SocketWriter.write = counted_write  # type: ignore[method-assign]
WebSocketProtocol.connectionMade = small_send_buffer

if __name__ == "__main__":
    CommandLineInterface.entrypoint()
