"""What a backend tells of the server behind it (``supports_server_details``): one generic
shape, whatever the server, so the page says the same for every backend that has one.

A field left None was not reported by the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django.utils.translation import gettext_lazy as _

from .errors import BackendError

#: The eviction policy under which a queue server never drops keys (BullMQ needs it).
SAFE_EVICTION = "noeviction"


class ServerDetailsRefused(BackendError):
    """The server refused to describe itself (Redis ``INFO`` denied by an ACL or renamed)."""

    status = 403
    code = "server_details_refused"


@dataclass(frozen=True)
class KeyCount:
    """The keys under the board's prefix: exact when ``exact``, else estimated from
    ``sampled`` of the database's ``total`` keys."""

    count: int
    exact: bool
    sampled: int
    total: int


@dataclass(frozen=True)
class ServerDetails:
    #: "Redis 7.2.4" or the like, and how it runs ("standalone", "cluster", "sentinel") with
    #: its role ("master", "replica").
    product: str
    version: str
    mode: str | None = None
    role: str | None = None
    uptime_seconds: int | None = None
    used_memory_bytes: int | None = None
    peak_memory_bytes: int | None = None
    #: 0: no limit.
    max_memory_bytes: int | None = None
    eviction_policy: str | None = None
    connected_clients: int | None = None
    blocked_clients: int | None = None
    keys: KeyCount | None = None
    #: The prefix ``keys`` counts (``bull``).
    prefix: str | None = None

    @property
    def evicts(self) -> bool:
        """Whether the server may drop keys when full (a queue would lose jobs)."""
        return self.eviction_policy is not None and self.eviction_policy != SAFE_EVICTION

    @property
    def memory_percent(self) -> float | None:
        if not self.max_memory_bytes or self.used_memory_bytes is None:
            return None
        return min(100.0, 100.0 * self.used_memory_bytes / self.max_memory_bytes)


class ServerDetailsInterface:
    """The part of the backend interface about its server (``QueueBackend`` inherits it)."""

    #: The server's version, memory, clients and keys can be read (``server_details``).
    supports_server_details: ClassVar[bool] = False

    async def server_details(self) -> ServerDetails:
        """The server's details in a bounded number of round trips; ``ServerDetailsRefused``
        when it may not say."""
        raise NotImplementedError(f"{type(self).__name__} has no server details.")


REFUSED_MESSAGE = _(
    "The server did not allow the board to read its details ({error}). Give the board's Redis "
    "user the INFO command (+info) to show them."
)
