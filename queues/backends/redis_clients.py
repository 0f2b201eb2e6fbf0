"""One ``redis.asyncio`` client per running event loop, and Redis errors turned into ours: for
backends that read a plain Redis server with their own scripts (RQ, Celery).

redis.asyncio connections belong to the loop that opened them (Django's test client runs each
async view in a fresh loop; daphne one loop for the process), so clients are kept per loop in a
``WeakKeyDictionary``: a loop that goes away takes its client with it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis
import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from ..language import Text
from .errors import BackendUnavailable
from .redis_errors import RedisErrors
from .redis_url import describe_url


class ClientPool:
    def __init__(
        self, url: str, *, socket_timeout: float, connect_timeout: float, missing_url: Text
    ) -> None:
        self.url = url
        #: Said when a client is asked for without a URL ("The RQ backend has no 'url' …").
        self.missing_url = missing_url
        self.socket_timeout = socket_timeout
        self.connect_timeout = connect_timeout
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.asyncio.Redis] = (
            weakref.WeakKeyDictionary()
        )
        self._scripts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Any]] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def where(self) -> str:
        """The server's address without credentials, for messages."""
        return describe_url(self.url)

    def get(self) -> redis.asyncio.Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            if not self.url:
                raise BackendUnavailable(self.missing_url)
            with self.translate_errors():
                client = redis.asyncio.Redis.from_url(
                    self.url,
                    decode_responses=False,
                    socket_timeout=self.socket_timeout,
                    socket_connect_timeout=self.connect_timeout,
                    retry=Retry(NoBackoff(), 1),
                )
            self._clients[loop] = client
        return client

    def script(self, source: str) -> Any:
        """``source`` registered on the running loop's client (EVALSHA, loaded on first use)."""
        client = self.get()
        scripts = self._scripts.setdefault(asyncio.get_running_loop(), {})
        if source not in scripts:
            scripts[source] = client.register_script(source)
        return scripts[source]

    def sync_client(self, timeout: float) -> redis.Redis:
        """A blocking client (``manage.py check``; RQ's actions, which use RQ's own API)."""
        return redis.Redis.from_url(
            self.url, socket_timeout=timeout, socket_connect_timeout=timeout
        )

    async def close(self) -> None:
        """Close the client of the running loop, if any."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    @contextmanager
    def translate_errors(self) -> Iterator[None]:
        """Raise ``BackendUnavailable`` (or ``BackendError``) instead of redis-py's errors."""
        with RedisErrors(self.where).translated():
            yield
