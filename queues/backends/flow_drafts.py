"""A flow tree while a backend reads it level by level: its nodes (``FlowDraft``, a
``FlowNode`` once frozen) and the walk down from the root (``LevelWalk``); shared by every
backend with flows, which give their own scripts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .types import FlowNode, JobRef


@dataclass
class FlowDraft:
    #: The backend's own name of the job in its scripts (a key, an id).
    key: str
    ref: JobRef
    name: str
    exists: bool
    count: int
    children: list[FlowDraft] = field(default_factory=list)
    offset: int = 0
    pinned: bool = False
    unordered: bool = False

    def frozen(self) -> FlowNode:
        return FlowNode(
            ref=self.ref,
            name=self.name,
            exists=self.exists,
            children=tuple(child.frozen() for child in self.children),
            children_total=self.count,
            children_offset=self.offset,
            pinned=self.pinned,
            unordered=self.unordered,
        )


#: Levels read down from the root, jobs shown in all.
DEPTH = 12
NODES = 1000

#: One level's read: for ``[(key, offset), ...]`` of the jobs whose children are wanted and
#: the keys of the jobs on the way to the page's job, the backend's script's reply: one
#: ``(total, unordered, raw children)`` per job, and the raw jobs on the way.
LevelRead = Callable[[list[tuple[str, int]], list[str]], Awaitable[tuple[list[Any], list[Any]]]]


@dataclass
class LevelWalk:
    """Reads a flow down from its root, one script call per level, within ``DEPTH`` levels and
    ``NODES`` jobs; the page's job (``start``) gets its page ``focus_page`` of children and is
    shown, with every job on the way to it (``path``: key -> the next key down), even past its
    parent's page.

    What differs between backends is given: ``read_level`` (their script), ``node`` (a raw job
    as a ``FlowDraft``), ``key_of`` (a raw job's key), ``expand`` (whose children are read:
    by default those that have any) and ``unordered_from_top`` (a page of children in no order
    is always read from its first: an RQ set past its sort cap).
    """

    read_level: LevelRead
    node: Callable[[Any, bool], FlowDraft]
    key_of: Callable[[Any], str]
    path: dict[str, str]
    start: str
    per_node: int
    focus_page: int = 1
    expand: Callable[[FlowDraft], bool] = field(default=lambda node: bool(node.count))
    unordered_from_top: bool = False

    async def down_from(self, root: FlowDraft) -> bool:
        """Read ``root``'s descendants into it; whether the bounds cut any off."""
        focus_offset = max(self.focus_page - 1, 0) * self.per_node
        frontier, shown, depth, cut = [root], 1, 0, False
        while frontier:
            parents = [node for node in frontier if self.expand(node)]
            if depth >= DEPTH or shown >= NODES:
                # Past the bounds only the way down to the page's job is read.
                on_way = [n for n in parents if n.key in self.path or n.key == self.start]
                cut = cut or len(on_way) < len(parents)
                parents = on_way
            if not parents:
                break
            offsets = {n.key: focus_offset if n.key == self.start else 0 for n in parents}
            wanted = [self.path[n.key] for n in parents if n.key in self.path]
            pages, described = await self.read_level(
                [(n.key, offsets[n.key]) for n in parents], wanted
            )
            extra = {self.key_of(raw): raw for raw in described}
            frontier = []
            for node, (total, unordered, raws) in zip(parents, pages, strict=True):
                node.count, node.unordered = int(total), bool(unordered)
                from_top = node.unordered and self.unordered_from_top
                node.offset = 0 if from_top else offsets[node.key]
                room = max(NODES - shown, 0) if node.key != self.start else len(raws)
                node.children = [self.node(raw, False) for raw in raws[:room]]
                cut = cut or len(raws) > room
                on_path = self.path.get(node.key)
                if on_path and all(child.key != on_path for child in node.children):
                    node.children.append(self.node(extra[on_path], True))
                shown += len(node.children)
                frontier += node.children
            depth += 1
        return cut


def path_down(chain: list[str]) -> dict[str, str]:
    """From the chain up from the page's job (its key first, the root's last): each key on it
    -> the next key down."""
    return {chain[i]: chain[i - 1] for i in range(1, len(chain))}
