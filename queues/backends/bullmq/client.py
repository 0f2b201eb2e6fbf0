"""One ``redis.asyncio`` client per running event loop, and Redis errors turned into ours.

redis.asyncio connections belong to the loop that opened them. Django's test client runs each
async view in a fresh loop while daphne runs one loop for the process, so clients are kept in a
``WeakKeyDictionary`` keyed by the loop: a loop that goes away takes its client with it.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypeVar

import redis
import redis.asyncio
from django.utils.translation import gettext_lazy as _
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from ..errors import BackendUnavailable
from ..redis_errors import RedisErrors
from .acl import ACL_REFUSED, REFUSALS
from .cluster import FAILOVER_WAIT, UNAVAILABLE
from .connection import Connection
from .tls import tls_failure
from .url import describe_url

T = TypeVar("T")


def _lua(name: str) -> str:
    """A script of ``lua/``, with each ``-- #include other.lua`` line replaced by that file."""
    text = resources.files(__package__).joinpath("lua", name).read_text(encoding="utf-8")
    lines = [
        _lua(line.removeprefix("-- #include ").strip()) if line.startswith("-- #include ") else line
        for line in text.splitlines()
    ]
    return "\n".join(lines) + "\n"


@dataclass
class LoopClient:
    """The client of one event loop with the scripts registered on it."""

    redis: redis.asyncio.Redis
    page_script: Any
    #: One slice of a search per call (lua/search.lua).
    search_script: Any


class ClientPool:
    def __init__(
        self, connection: Connection, *, socket_timeout: float, connect_timeout: float
    ) -> None:
        self.connection = connection
        self.url = connection.url
        #: Why the queues cannot be read on this cluster (``cluster.py``), or ``None``.
        self.layout_problem: str | None = None
        self.socket_timeout = socket_timeout
        self.connect_timeout = connect_timeout
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopClient] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def where(self) -> str:
        """The server's address without credentials, for messages. A cluster's is the node its
        URL names, which need not be the one that failed: the error that follows names that."""
        where = describe_url(self.url)
        return f"{where} (Redis Cluster)" if self.connection.cluster else where

    def get(self) -> LoopClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            if not self.url:
                raise BackendUnavailable(_("The BullMQ backend has no 'url' option configured."))
            if self.connection.cluster and self.layout_problem:
                raise BackendUnavailable(self.layout_problem)
            with self.translate_errors():
                connection = self.connection.async_client(
                    decode_responses=False,
                    socket_timeout=self.socket_timeout,
                    socket_connect_timeout=self.connect_timeout,
                    # One quick retry covers a pooled connection the server closed; more would
                    # only multiply the wait when the server is really gone.
                    retry=Retry(NoBackoff(), 1),
                )
            client = LoopClient(
                connection,
                connection.register_script(_lua("page.lua")),
                connection.register_script(_lua("search.lua")),
            )
            self._clients[loop] = client
        return client

    async def through_failover(self, call: Callable[[], Awaitable[T]]) -> T:
        """``call()``; on a cluster, tried again every half second while it finds the cluster
        unavailable (a primary failing over), for up to ``FAILOVER_WAIT`` seconds. Only for
        calls that may be sent twice (a bulk run's batch: each is atomic and takes the jobs
        still to do, so a batch applied before its reply was lost is not applied again)."""
        deadline = time.monotonic() + FAILOVER_WAIT
        while True:
            try:
                return await call()
            except BackendUnavailable:
                if not self.connection.cluster or time.monotonic() >= deadline:
                    raise
            await asyncio.sleep(0.5)

    async def close(self) -> None:
        """Close the client of the running loop, if any."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.redis.aclose()

    @contextmanager
    def translate_errors(self) -> Iterator[None]:
        """Raise ``BackendUnavailable`` (or ``BackendError``) instead of redis-py's errors."""
        with self.errors.translated():
            yield

    @property
    def errors(self) -> RedisErrors:
        """How this server's errors read: a cluster failing over is not answering, a command
        it cannot route is refused, and the board's ACL user is told what it lacks."""
        return RedisErrors(
            self.where,
            unavailable=UNAVAILABLE,
            refused=(redis.exceptions.RedisClusterException,),
            tls_failure=lambda exc: tls_failure(self.url, exc),
            acl_words=REFUSALS,
            acl_message=ACL_REFUSED,
        )
