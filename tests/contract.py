"""What each backend's contract fixture provides: a seeded queue and the ids it expects.

- ``ids``: the jobs of each state the backend counts, in the state's natural order (4 waiting,
  2 delayed, 3 completed, 2 failed where the backend holds those states), one waiting job with
  ``<script>alert(1)</script>`` in its data;
- ``by_id``: jobs the backend cannot count or list but reads by id (Celery's finished tasks,
  from its result backend), by state; the detail tests read these when given;
- ``without``: facts of a job the backend does not keep (Celery stores no creation time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from queues.states import JobState


@dataclass
class ContractEnv:
    backend: Any
    queue: str
    ids: dict[JobState, list[str]]
    by_id: dict[JobState, list[str]] = field(default_factory=dict)
    without: frozenset[str] = frozenset()

    def readable(self, state: JobState) -> list[str]:
        """Ids of jobs in ``state`` that can be read one by one (listed or not)."""
        return self.by_id.get(state) or self.ids.get(state, [])

    def listed(self, state: JobState) -> list[str]:
        """The ids ``state``'s list shows: none when the backend only counts it."""
        if state in self.backend.counted_only or state not in self.backend.states:
            return []
        return self.ids.get(state, [])
