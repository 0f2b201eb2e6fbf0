"""The Celery backend's reads: queues from the broker's bindings, every queue's waiting count in
one pipeline, a task's stored result by id. Nothing here writes, and nothing runs a task."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .keys import (
    BINDING_PREFIX,
    CONTROL_EXCHANGES,
    RESULT_PREFIX,
    binding_exchange,
    bound_queue,
    message_lists,
)

#: A stored result larger than this is not read whole (only its size is said).
MAX_RESULT_BYTES = 4 * 1024 * 1024
#: Keys asked for per SCAN call while looking for bindings.
SCAN_COUNT = 1000


async def discover(client: Any, prefix: str) -> list[str]:
    """The task queues the broker's bindings name (every exchange but Celery's own
    messaging), sorted: one SCAN of the broker's keys, then one pipeline of SMEMBERS."""
    pattern = f"{prefix}{BINDING_PREFIX}*".encode()
    keys = [
        key
        async for key in client.scan_iter(match=pattern, count=SCAN_COUNT)
        if binding_exchange(prefix, key) not in CONTROL_EXCHANGES
    ]
    if not keys:
        return []
    async with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.smembers(key)
        members = await pipe.execute()
    names = {bound_queue(member) for found in members for member in found}
    return sorted(name for name in names if name)


async def waiting_counts(client: Any, prefix: str, queues: Sequence[str]) -> dict[str, int]:
    """Messages waiting in each queue (all its priority lists), from one pipeline."""
    if not queues:
        return {}
    lists = [message_lists(prefix, name) for name in queues]
    async with client.pipeline(transaction=False) as pipe:
        for names in lists:
            for name in names:
                pipe.llen(name)
        lengths = await pipe.execute()
    width = len(lists[0])
    return {
        name: sum(int(n) for n in lengths[i * width : (i + 1) * width])
        for i, name in enumerate(queues)
    }


@dataclass(frozen=True)
class StoredResult:
    """A task's result key: its bytes (None when absent or too large) and its size."""

    raw: bytes | None
    size: int

    @property
    def too_large(self) -> bool:
        return self.raw is None and self.size > 0


async def read_result(client: Any, task_id: str) -> StoredResult:
    """The result key of ``task_id`` (size and, within ``MAX_RESULT_BYTES``, its bytes) in one
    round trip; a size of 0 means there is none."""
    key = f"{RESULT_PREFIX}{task_id}"
    async with client.pipeline(transaction=False) as pipe:
        pipe.strlen(key)
        pipe.getrange(key, 0, MAX_RESULT_BYTES)
        size, head = await pipe.execute(raise_on_error=False)
    if isinstance(size, Exception) or isinstance(head, Exception):
        return StoredResult(raw=None, size=0)  # another kind of key under that name: none
    size = int(size or 0)
    if size > MAX_RESULT_BYTES:
        return StoredResult(raw=None, size=size)
    return StoredResult(raw=bytes(head) if size else None, size=size)
