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
from ..flow_drafts import FlowDraft
from ..types import FlowTree, JobRef
from .client import _lua
from .keys import QueueKeys

#: Levels walked up to the root, levels read down from it, jobs shown in all.
UP = 32
DEPTH = 12
NODES = 1000

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
        #: key -> the key of the next job on the way down to the page's job.
        path = {chain[i]: chain[i - 1] for i in range(1, len(chain))}
        pages, described = await self._level(args=[self.prefix + ":", per_node, 0, chain[-1]])
        root = self._node(described[0])
        if len(chain) == 1 and root.count == 0:
            return None
        focus_offset = max(focus_page - 1, 0) * per_node
        frontier, shown, depth, cut = [root], 1, 0, False
        while frontier:
            parents = [node for node in frontier if node.count]
            if depth >= DEPTH or shown >= NODES:
                # Past the bounds only the way down to the page's job is read.
                on_way = [node for node in parents if node.key in path or node.key == start]
                cut = cut or len(on_way) < len(parents)
                parents = on_way
            if not parents:
                break
            offsets = {node.key: focus_offset if node.key == start else 0 for node in parents}
            args: list[Any] = [self.prefix + ":", per_node, len(parents)]
            for node in parents:
                args += [node.key, offsets[node.key]]
            wanted = [path[node.key] for node in parents if node.key in path]
            pages, described = await self._level(args=[*args, *wanted])
            extra = {_text(raw[0]): raw for raw in described}
            frontier = []
            for node, (total, unordered, raws) in zip(parents, pages, strict=True):
                node.count, node.offset, node.unordered = (
                    int(total),
                    offsets[node.key],
                    bool(unordered),
                )
                room = max(NODES - shown, 0) if node.key != start else len(raws)
                node.children = [self._node(raw) for raw in raws[:room]]
                cut = cut or len(raws) > room
                on_path = path.get(node.key)
                if on_path and all(child.key != on_path for child in node.children):
                    node.children.append(self._node(extra[on_path], pinned=True))
                shown += len(node.children)
                frontier += node.children
            depth += 1
        current = JobRef(self.alias, queue, job_id)
        return FlowTree(
            root=root.frozen(),
            current=current,
            per_node=per_node,
            root_beyond=bool(int(beyond)),
            cut=cut,
        )
