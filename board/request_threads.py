"""Django's ASGI handler with its request threads kept for the next requests.

Django runs each HTTP request in its own ``ThreadSensitiveContext``: the first ``sync_to_async``
of a request (Django's own ``request_started`` signal, on every request) starts a new thread,
and the end of the request starts one more that joins it. On a busy machine starting those two
threads is most of what a small request costs (see ``bench/results/views_vs_bull_board.md``).

``PooledThreadsASGIHandler`` gives each request's context a single-thread executor from a pool
instead: still one request at a time per thread, as with Django's handler (so each request keeps
its own database connection while it runs), but the thread is reused by a later request instead
of being started and joined for each one, as a WSGI server's threads are. Database connections
are then kept per thread as under WSGI: Django closes the ones past ``CONN_MAX_AGE`` or broken at
the start and end of each request (``close_old_connections``).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync, ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler

#: Idle threads kept at most; beyond, a finished request's thread is stopped.
MAX_IDLE = 8


class ExecutorPool:
    """Single-thread executors lent to one request at a time."""

    def __init__(self, max_idle: int = MAX_IDLE) -> None:
        self.max_idle = max_idle
        self._idle: list[ThreadPoolExecutor] = []
        self._lock = threading.Lock()
        self.started = 0

    def take(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            self.started += 1
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="board-request")

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        with self._lock:
            if len(self._idle) < self.max_idle:
                self._idle.append(executor)
                return
        executor.shutdown(wait=False)

    def __len__(self) -> int:
        return len(self._idle)


class PooledThreadsASGIHandler(ASGIHandler):
    """``django.core.handlers.asgi.ASGIHandler`` with pooled request threads."""

    def __init__(self) -> None:
        super().__init__()
        self.threads = ExecutorPool()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        context = ThreadSensitiveContext()
        async with context:
            if context.token is None:  # inside another context (a test's): that one's thread
                await self.handle(scope, receive, send)
                return
            # The context's executor, as asgiref would have made it at the first hop; taken back
            # before the context exits, so that asgiref neither stops its thread nor starts one
            # to join it. A task that outlives the request gets a thread of its own, as with
            # Django's handler.
            executor = self.threads.take()
            SyncToAsync.context_to_thread_executor[context] = executor
            try:
                await self.handle(scope, receive, send)
            finally:
                SyncToAsync.context_to_thread_executor.pop(context, None)
                # Work a cancelled request left in the thread runs first in its queue: the
                # next request's sync code waits behind it, never beside it.
                self.threads.give_back(executor)


def get_asgi_application() -> PooledThreadsASGIHandler:
    """``django.core.asgi.get_asgi_application()`` with pooled request threads."""
    import django

    django.setup(set_prefix=False)
    return PooledThreadsASGIHandler()
