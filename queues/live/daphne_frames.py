"""Live frames written straight to the sockets of daphne's WebSocket connections.

py-spy on one daphne process serving 1,000 viewers at 10 events/s: about three quarters of the
board's time went to writing frames, not to the board. For every frame of every viewer daphne's
reply path ran, autobahn built the frame (formatting a debug line on the way), Twisted queued
the bytes and registered the socket with the event loop for writing, and wrote and unregistered
it when the loop next ran: ~85 µs of one core per frame, so one message to 1,000 viewers took
most of the 100 ms between two events.

Yet that frame is the same bytes for every viewer of a message: a server does not mask its
frames and daphne does not negotiate compression. Here a text is framed once (``frame_of``,
kept while the hub fans it out) and each socket gets it with one ``send``, the way Twisted
would when nothing is buffered. Whenever anything is not as plain as that, the frame goes the
usual way: another server than daphne, another transport than plain TCP (TLS), compression, a
masking, fragmenting or logging option, anything queued before it (so frames never overtake
one another), a connection closing. A partial send hands the rest to Twisted, which writes it
when the socket can take it; a failed one hands it all, so Twisted sees the loss itself.
"""

from __future__ import annotations

import functools
import struct
from typing import Any

#: Frames of the texts being fanned out, by ``id`` (their text kept with them so the id stays
#: that text's); a handful at a time, one per page type and language of a message.
FRAMES_KEPT = 16
_frames: dict[int, tuple[str, bytes]] = {}

#: FIN and the text opcode: a whole, unfragmented text message.
_TEXT_FRAME = 0x81


def frame_of(text: str) -> bytes:
    """The WebSocket frame of ``text`` as a server sends it (unmasked, uncompressed)."""
    kept = _frames.get(id(text))
    if kept is not None and kept[0] is text:
        return kept[1]
    payload = text.encode("utf-8")
    size = len(payload)
    if size <= 125:
        header = bytes((_TEXT_FRAME, size))
    elif size <= 0xFFFF:
        header = struct.pack("!BBH", _TEXT_FRAME, 126, size)
    else:
        header = struct.pack("!BBQ", _TEXT_FRAME, 127, size)
    frame = header + payload
    if len(_frames) >= FRAMES_KEPT:
        _frames.clear()
    _frames[id(text)] = (text, frame)
    return frame


class SocketWriter:
    """Writes a consumer's text frames to its daphne connection's socket."""

    def __init__(self, server: Any, protocol: Any, tcp_server: Any) -> None:
        self.server = server
        self.protocol = protocol
        self.tcp_server = tcp_server

    def limit(self, at_most: int) -> int:
        """``at_most``, or daphne's limit of a message if it is lower."""
        own = self.protocol.maxMessagePayloadSize
        return min(own, at_most) if own > 0 else at_most

    def write(self, text: str) -> bool:
        """Write ``text`` as one frame; False (nothing written) when it must go through the
        ASGI send instead."""
        protocol = self.protocol
        connection = self.server.connections.get(protocol)
        if connection is None or connection.get("disconnected"):
            return False
        if not self._plain(protocol):
            return False
        frame = frame_of(text)
        if 0 < protocol.maxMessagePayloadSize < len(frame) or (
            0 < protocol.autoFragmentSize < len(frame)
        ):
            return False
        transport = protocol.transport
        if type(transport) is not self.tcp_server or not transport.connected:
            return False
        if transport.disconnecting or transport._writeDisconnected:
            return False
        if transport._tempDataLen or transport.offset != len(transport.dataBuffer):
            transport.write(frame)  # behind what Twisted holds, in order
            return True
        sent = transport.writeSomeData(frame)
        if isinstance(sent, Exception):
            transport.write(frame)  # Twisted's own write meets the loss and closes
        elif sent < len(frame):
            transport.write(frame[sent:])
        return True

    @staticmethod
    def _plain(protocol: Any) -> bool:
        """Whether autobahn would write the frame as is, right away."""
        return (
            protocol.state == protocol.STATE_OPEN
            and protocol.send_state == protocol.SEND_STATE_GROUND
            and protocol._perMessageCompress is None
            and not protocol.maskServerFrames
            and not protocol.send_queue
            and not protocol.logFrames
            and not protocol.logOctets
            and not protocol.trackedTimings
        )


def socket_writer(send: Any) -> SocketWriter | None:
    """A ``SocketWriter`` when ``send`` is daphne's send of a WebSocket connection (as channels
    passes it to a consumer, beneath its session wrappers), else None."""
    if not isinstance(send, functools.partial) or len(send.args) != 1:
        return None
    try:
        from daphne.server import Server
        from daphne.ws_protocol import WebSocketProtocol
        from twisted.internet.tcp import Server as TCPServer
    except ImportError:
        return None
    server = getattr(send.func, "__self__", None)
    protocol = send.args[0]
    if getattr(send.func, "__func__", None) is not Server.handle_reply:
        return None
    if not isinstance(server, Server) or not isinstance(protocol, WebSocketProtocol):
        return None
    return SocketWriter(server, protocol, TCPServer)
