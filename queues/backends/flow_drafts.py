"""A flow tree's node while a backend reads it level by level (``FlowNode`` once frozen);
shared by every backend with flows."""

from __future__ import annotations

from dataclasses import dataclass, field

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
