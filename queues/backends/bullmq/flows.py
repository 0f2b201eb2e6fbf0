"""A job's whole flow, read with a bounded number of round trips whatever its size.

One script walks up the ``parentKey`` chain to the root (``lua/flow_up.lua``); then one script
per level (``lua/flow_level.lua``) reads, for every job of that level, its number of children
and one page of them with their names, states and own numbers of children. Bounds: ``UP``
levels up, ``DEPTH`` levels down, ``NODES`` jobs in all, ``per_node`` children per job. A job
on the way from the root to the page's job is always shown, even past its parent's page.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio

from ...states import JobState
from ..flow_drafts import FlowDraft, LevelWalk, path_down
from ..types import FlowTree, JobRef
from .client import _lua
from .keys import QueueKeys

#: Levels walked up to the root (``DEPTH`` and ``NODES``: ``flow_drafts``).
UP = 32

_STATES = {
    "completed": JobState.COMPLETED,
    "failed": JobState.FAILED,
    "delayed": JobState.DELAYED,
    "prioritized": JobState.PRIORITIZED,
    "waiting-children": JobState.WAITING_CHILDREN,
    "active": JobState.ACTIVE,
    "wait": JobState.WAITING,
    "paused": JobState.PAUSED,
}
#: A child the parent recorded as finished, when no state key holds it any more.
_FINISHED = {"processed": JobState.COMPLETED, "failed": JobState.FAILED, "ignored": JobState.FAILED}


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class FlowReader:
    def __init__(self, client: redis.asyncio.Redis, alias: str, prefix: str) -> None:
        self.alias = alias
        self.prefix = prefix
        self._up = client.register_script(_lua("flow_up.lua"))
        self._level = client.register_script(_lua("flow_level.lua"))

    def _node(self, raw: list[Any], pinned: bool = False) -> FlowDraft:
        key, queue, job_id, exists, name, state, category, count = raw
        found = _STATES.get(_text(state)) or _FINISHED.get(_text(category))
        return FlowDraft(
            key=_text(key),
            ref=JobRef(self.alias, _text(queue), _text(job_id), found),
            name=_text(name),
            exists=int(exists) == 1,
            count=int(count),
            pinned=pinned,
        )

    async def read(
        self, queue: str, job_id: str, *, per_node: int = 50, focus_page: int = 1
    ) -> FlowTree | None:
        start = QueueKeys(self.prefix, queue).job(job_id)
        chain_raw, beyond = await self._up(args=[start, UP])
        chain = [_text(key) for key in chain_raw]
        _pages, described = await self._level(args=[self.prefix + ":", per_node, 0, chain[-1]])
        root = self._node(described[0])
        if len(chain) == 1 and root.count == 0:
            return None

        async def read_level(parents: list[tuple[str, int]], wanted: list[str]) -> Any:
            args: list[Any] = [self.prefix + ":", per_node, len(parents)]
            for key, offset in parents:
                args += [key, offset]
            return await self._level(args=[*args, *wanted])

        walk = LevelWalk(
            read_level=read_level,
            node=self._node,
            key_of=lambda raw: _text(raw[0]),
            path=path_down(chain),
            start=start,
            per_node=per_node,
            focus_page=focus_page,
        )
        cut = await walk.down_from(root)
        return FlowTree(
            root=root.frozen(),
            current=JobRef(self.alias, queue, job_id),
            per_node=per_node,
            root_beyond=bool(int(beyond)),
            cut=cut,
        )
