"""The newest jobs of a queue across its states (``list_latest``): lua/latest.lua.

One script call picks them: the newest ``limit`` ids of each state key, merged by the jobs'
creation time, so the call reads at most ``limit`` ids per state whatever the queue holds.
Their rows come with it, or in a few more calls when they carry large values (each copies at
most ``PAGE_SLICE_BYTES`` past its first job), as a list page's do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ...states import JobState
from ..types import JobSummary
from .client import _lua
from .decode import JobDecoder
from .keys import STATE_KEYS, QueueKeys
from .reads import PAGE_FIELDS, PAGE_SLICE_BYTES, PAGE_VALUE_CAP

_LATEST_LUA = _lua("latest.lua")


def _decoded_rows(
    raw_rows: list[Any], states: tuple[JobState, ...], alias: str, queue: str
) -> list[JobSummary]:
    jobs = []
    for raw in raw_rows:
        index, job_id, score, values = int(raw[0]), raw[1], raw[2], raw[3:]
        fields = {name: values[2 * i] for i, name in enumerate(PAGE_FIELDS)}
        sizes = {name: values[2 * i + 1] for i, name in enumerate(PAGE_FIELDS)}
        decoder = JobDecoder(alias, queue, job_id.decode("utf-8", "replace"), fields, sizes=sizes)
        jobs.append(decoder.summary(states[index - 1], float(score) if score else None))
    return jobs


class BullMQLatestMixin:
    """``list_latest`` for ``BullMQBackend``."""

    alias: str
    prefix: str
    pool: Any
    states: ClassVar[tuple[JobState, ...]]
    supports_latest = True

    if TYPE_CHECKING:

        async def _require_queue(self, client: Any, name: str) -> None: ...

    async def list_latest(self, queue: str, limit: int) -> list[JobSummary]:
        keys = QueueKeys(self.prefix, queue)
        states = self.states
        layout = ",".join("l" if STATE_KEYS[state][1] == "list" else "z" for state in states)
        client = self.pool.get()
        jobs: list[JobSummary] = []
        with self.pool.translate_errors():
            await self._require_queue(client.redis, queue)
            script = client.redis.register_script(_LATEST_LUA)
            state_keys = [keys.state(state) for state in states]
            common = [keys.base, PAGE_VALUE_CAP, PAGE_SLICE_BYTES, max(int(limit), 1)]
            rows, rest = await script(keys=state_keys, args=[*common, "pick", layout])
            jobs += _decoded_rows(rows, states, self.alias, queue)
            while rest:
                rows, rest = await script(keys=state_keys, args=[*common, "read", *rest])
                jobs += _decoded_rows(rows, states, self.alias, queue)
        return jobs
