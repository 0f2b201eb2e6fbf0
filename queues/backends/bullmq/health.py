"""The health sample of a BullMQ queue: one script call (``lua/health.lua``) and the backend's
shared worker presence (one ``CLIENT LIST`` for every queue, kept a few seconds)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

from ..errors import WorkersUnavailable
from ..health_types import HealthSample
from .keys import QueueKeys

_HEALTH_LUA = resources.files(__package__).joinpath("lua", "health.lua").read_text("utf-8")
#: Completed job hashes measured with MEMORY USAGE to estimate the set's memory.
MEMORY_SAMPLE = 5


class BullMQHealthMixin:
    """``health_sample`` for ``BullMQBackend`` (uses its ``pool``, ``prefix``,
    ``_require_queue`` and ``queues_without_workers``)."""

    #: A bounded health sample of a queue can be read (``health_sample``).
    supports_health = True
    prefix: str
    pool: Any
    _require_queue: Callable[..., Any]

    async def health_sample(self, queue: str, *, sample: int, payload_bytes: int) -> HealthSample:
        client = self.pool.get()
        with self.pool.translate_errors():
            await self._require_queue(client.redis, queue)
            script = client.redis.register_script(_HEALTH_LUA)
            args = [QueueKeys(self.prefix, queue).base, sample, payload_bytes, MEMORY_SAMPLE]
            reply = await script(keys=[], args=[*args, int(time.time() * 1000)])
        raw = json.loads(reply.decode() if isinstance(reply, bytes) else str(reply))
        no_workers: bool | None
        try:
            no_workers = queue in await self.queues_without_workers([queue])  # type: ignore[attr-defined]
        except WorkersUnavailable:
            no_workers = None
        oldest = int(raw["oldest_waiting_ms"])
        ttl = int(raw["limiter_ttl_ms"])
        return HealthSample(
            sampled=int(raw["sampled"]),
            without_retries=int(raw["without_retries"]),
            retries_without_backoff=int(raw["retries_without_backoff"]),
            without_remove_on_fail=int(raw["without_remove_on_fail"]),
            without_remove_on_complete=int(raw["without_remove_on_complete"]),
            payloads_over=int(raw["payloads_over"]),
            largest_payload_bytes=int(raw["largest_bytes"]),
            largest_payload_job=str(raw["largest_id"]) or None,
            completed=int(raw["completed"]),
            failed=int(raw["failed"]),
            completed_memory_bytes=int(raw["completed_memory"]),
            waiting=int(raw["waiting"]),
            no_workers=no_workers,
            oldest_waiting_seconds=oldest / 1000 if oldest >= 0 else None,
            # BullMQ's ``stalled`` set holds every id active at the last stall check; a job is
            # stalled once its lock is gone while it is still active.
            stalled=int(raw["active_without_lock"]),
            limiter_ttl_ms=ttl if ttl > 0 else None,
            eviction_policy=str(raw["maxmemory_policy"]) or None,
        )
