"""Completed and failed totals of BullMQ queues, as BullMQ's own ``exportPrometheusMetrics``
reports them: the ``count`` field of ``<prefix>:<queue>:metrics:completed`` / ``:failed``,
which workers started with the ``metrics`` option keep (``shared/reference/bullmq-data-model.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..metric_types import JobTotals
from .keys import QueueKeys

if TYPE_CHECKING:
    import redis.asyncio


async def read_totals(
    client: redis.asyncio.Redis, prefix: str, names: Sequence[str]
) -> dict[str, JobTotals]:
    """Every queue's totals from one pipeline (one round trip however many queues)."""
    if not names:
        return {}
    async with client.pipeline(transaction=False) as pipe:
        for name in names:
            keys = QueueKeys(prefix, name)
            pipe.hget(keys.key("metrics:completed"), "count")
            pipe.hget(keys.key("metrics:failed"), "count")
        replies = await pipe.execute(raise_on_error=False)
    return {
        name: JobTotals(_count(replies[2 * i]), _count(replies[2 * i + 1]))
        for i, name in enumerate(names)
    }


def _count(value: object) -> int | None:
    if isinstance(value, bytes | str):
        try:
            return max(int(value), 0)
        except ValueError:
            return None
    return None


class BullMQTotalsMixin:
    """``job_totals`` for ``BullMQBackend`` (uses its ``pool`` and ``prefix``)."""

    prefix: str
    pool: Any

    #: Completed and failed totals are read from the workers' ``metrics`` keys.
    supports_job_totals = True

    async def job_totals(self, queues: Sequence[str]) -> dict[str, JobTotals]:
        client = self.pool.get()
        with self.pool.translate_errors():
            return await read_totals(client.redis, self.prefix, list(queues))
