"""The discovered queue list, kept in Redis next to the queues so that a restarted board has it.

Keys under the board's own name beside the queues (``<prefix>:queueboard:...``; a BullMQ queue
has no key named ``queues``, ``queues:scanned`` or ``queues:lock``, so none is taken for one):

- ``queues``: a set of the queue names the last full scan found, plus those seen since;
- ``queues:scanned``: the time (Unix seconds, the board's clock: ``TIME`` is not in every ACL)
  that scan began; no such key, no list kept;
- ``queues:lock``: held (``SET NX EX``) by the one board process that scans, so a restart of many
  processes runs one scan, not one each; it expires by itself if that process dies.

A Redis user that may not write (a read-only ACL user, a replica) keeps the list in memory only,
for this process: it is noticed at the first refused write, and from then on the lock is this
process's (``Discovery`` runs one scan at a time) and nothing is written. The board's database
was not chosen: it would need a migration and sync queries from the async backends, and the
boards of one Redis may well not share a database, while they always share the Redis.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass

import redis.asyncio
import redis.exceptions

from .cluster import ready

logger = logging.getLogger("queues")
#: Seconds the scan lock lives if its holder never releases it (a scan of 10M keys takes ~10 s).
LOCK_SECONDS = 300
#: What a Redis that may not write answers (ACL refusal, a read-only replica).
REFUSED = (redis.exceptions.NoPermissionError, redis.exceptions.ReadOnlyError)
#: What a Redis that may not write now answers (``maxmemory`` reached under ``noeviction``):
#: the list is not stored this time, and reading goes on.
FULL = redis.exceptions.OutOfMemoryError


@dataclass(frozen=True)
class KeptList:
    names: list[str]
    #: Seconds since the last full scan began.
    age: float


class KeptQueues:
    def __init__(self, prefix: str) -> None:
        base = f"{prefix}:queueboard:queues"
        self.key, self.scanned_key, self.lock_key = base, f"{base}:scanned", f"{base}:lock"
        #: False once Redis refused a write: the list then lives in this process only.
        self.writable = True
        self._token = b""

    async def load(self, client: redis.asyncio.Redis) -> KeptList | None:
        """The kept list and its age, in one round trip; ``None`` when none is kept."""
        pipe = client.pipeline(transaction=False)
        pipe.smembers(self.key)
        pipe.get(self.scanned_key)
        try:
            members, scanned = await pipe.execute()
        except REFUSED:
            return None
        if scanned is None:
            return None
        names = sorted(_decoded(members))
        try:
            age = max(0.0, time.time() - float(scanned))
        except ValueError:
            age = float("inf")  # not written by a board: due for a scan
        return KeptList(names, age)

    async def store(self, client: redis.asyncio.Redis, names: list[str], scanned: float) -> None:
        """Replace the kept list with what a full scan begun at ``scanned`` found, atomically."""
        if not self.writable:
            return
        await ready(client)  # a cluster's transaction: in this loop (cluster.py)
        pipe = client.pipeline(transaction=True)
        pipe.delete(self.key)
        if names:
            pipe.sadd(self.key, *names)
        pipe.set(self.scanned_key, repr(scanned))
        await self._write(pipe.execute())

    async def add(self, client: redis.asyncio.Redis, names: Iterable[str]) -> None:
        """Queues seen since the last scan (a live event, a page of a queue opened)."""
        new = list(names)
        if new and self.writable:
            await self._write(client.sadd(self.key, *new))

    async def remove(self, client: redis.asyncio.Redis, names: Iterable[str]) -> None:
        """Queues gone (obliterated through the board) leave the kept list."""
        gone = list(names)
        if gone and self.writable:
            await self._write(client.srem(self.key, *gone))

    async def lock(self, client: redis.asyncio.Redis) -> bool:
        """Whether this process may scan now (no other process of any board is scanning)."""
        if not self.writable:
            return True
        self._token = secrets.token_hex(8).encode()
        try:
            taken = await client.set(self.lock_key, self._token, nx=True, ex=LOCK_SECONDS)
        except REFUSED as exc:
            self._refused(exc)
            return True
        except FULL:
            return True  # nothing can be written meanwhile; this process scans on its own
        return bool(taken)

    async def unlock(self, client: redis.asyncio.Redis) -> None:
        if self.writable and await client.get(self.lock_key) == self._token:
            await client.delete(self.lock_key)

    async def _write(self, pending: object) -> None:
        try:
            await pending  # type: ignore[misc]
        except REFUSED as exc:
            self._refused(exc)
        except FULL:
            logger.info("The queue list was not stored under %s: Redis is full.", self.key)

    def _refused(self, exc: BaseException) -> None:
        self.writable = False
        logger.info(
            "The queue list is kept in memory only: Redis refused to store it under %s (%s).",
            self.key,
            type(exc).__name__,
        )


def _decoded(members: Iterable[bytes | str]) -> set[str]:
    names = set()
    for member in members:
        if isinstance(member, bytes):
            try:
                member = member.decode("utf-8")
            except UnicodeDecodeError:
                continue
        names.add(member)
    return names
