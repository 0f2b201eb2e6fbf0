"""One ``redis.asyncio`` client per running event loop, and Redis errors turned into ours.

redis.asyncio connections belong to the loop that opened them. Django's test client runs each
async view in a fresh loop while daphne runs one loop for the process, so clients are kept in a
``WeakKeyDictionary`` keyed by the loop: a loop that goes away takes its client with it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

import redis
import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from ..errors import BackendError, BackendFull, BackendUnavailable
from .url import describe_url


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
    def __init__(self, url: str, *, socket_timeout: float, connect_timeout: float) -> None:
        self.url = url
        self.socket_timeout = socket_timeout
        self.connect_timeout = connect_timeout
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopClient] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def where(self) -> str:
        """The server's address without credentials, for messages."""
        return describe_url(self.url)

    def get(self) -> LoopClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            if not self.url:
                raise BackendUnavailable("The BullMQ backend has no 'url' option configured.")
            with self.translate_errors():
                connection = redis.asyncio.Redis.from_url(
                    self.url,
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

    async def close(self) -> None:
        """Close the client of the running loop, if any."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.redis.aclose()

    @contextmanager
    def translate_errors(self) -> Iterator[None]:
        """Raise ``BackendUnavailable`` (or ``BackendError``) instead of redis-py's errors."""
        try:
            yield
        except (redis.ConnectionError, redis.TimeoutError, TimeoutError, OSError) as exc:
            raise BackendUnavailable(
                f"Redis at {self.where} did not answer ({_short(exc)})."
            ) from exc
        except redis.RedisError as exc:
            if isinstance(exc, redis.exceptions.OutOfMemoryError) or "OOM command" in str(exc):
                raise BackendFull(
                    f"Redis at {self.where} is full (maxmemory reached) and refused to write. "
                    "Free memory or raise maxmemory, then try again."
                ) from exc
            raise BackendError(f"Redis at {self.where} refused a command ({_short(exc)}).") from exc
        except ValueError as exc:
            # Never its text: redis-py's ValueErrors quote the URL they could not read (which
            # the backend refuses to be created with, see ``url.py``).
            raise BackendUnavailable(
                f"Redis at {self.where} could not be used ({type(exc).__name__})."
            ) from None


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "\u2026"
