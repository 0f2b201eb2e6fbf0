"""A loopback TCP proxy that delays every reply of the server by a fixed time (a slow Redis).

Requests go to the server at once; each chunk the server sends back is held for ``delay``
seconds (in order) before it reaches the client, so every round trip costs at least ``delay``.
The proxy runs its own event loop in a daemon thread; ``delay`` can be changed while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

from common import free_port


class SlowProxy:
    def __init__(self, upstream_port: int, delay: float) -> None:
        self.upstream_port = upstream_port
        self.delay = delay
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._run, name="slow-proxy", daemon=True)

    def __enter__(self) -> SlowProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("The slow proxy did not start.")
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", self.port)
        )
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._server.close()
            for task in asyncio.all_tasks(self._loop):
                task.cancel()
            with contextlib.suppress(Exception):
                self._loop.run_until_complete(asyncio.sleep(0))
            self._loop.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        pending: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def forward() -> None:  # client -> server, at once
            while data := await reader.read(65536):
                up_writer.write(data)
                await up_writer.drain()
            up_writer.close()

        async def collect() -> None:  # server -> queue, stamped with its release time
            while data := await up_reader.read(65536):
                await pending.put((time.monotonic() + self.delay, data))
            await pending.put((time.monotonic() + self.delay, b""))

        async def release() -> None:  # queue -> client, each chunk once its time has come
            while True:
                due, data = await pending.get()
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
            writer.close()

        tasks = [asyncio.create_task(job()) for job in (forward, collect, release)]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            await tasks[2]
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            for task in tasks:
                task.cancel()
            for stream in (writer, up_writer):
                with contextlib.suppress(Exception):
                    stream.close()
