"""What each backend's contract fixture provides: a seeded queue and the ids it expects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from queues.states import JobState


@dataclass
class ContractEnv:
    backend: Any
    queue: str
    ids: dict[JobState, list[str]]
