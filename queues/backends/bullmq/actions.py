"""Actions on BullMQ queues: the backend's entry points, dispatching to one module per concern.

``job_actions`` changes chosen jobs, ``queue_actions`` runs one bounded step of a queue action,
``queue_action_counts`` counts what a queue action would change; all send their commands through
``pipeline`` (many per round trip) and call bullmq's own scripts from ``scripts``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from ...states import JobState
from ..actions import ActionOutcome, JobAction, QueueAction, QueueActionParams
from ..applicability import DEFAULT_TABLE, RUNNING_NOT_REMOVED, ActionTable, all_but, only
from ..errors import BackendUnavailable
from .job_actions import promote, remove, retry
from .keys import QueueKeys
from .queue_action_counts import count
from .queue_actions import step


class BullMQActionsMixin:
    """Mixed into ``BullMQBackend``; uses its ``pool``, ``prefix`` and ``_require_queue``."""

    #: BullMQ retries completed jobs too (``Job.retry("completed")``), one or all of a queue;
    #: removes any job but a running one (a locked job or a schedule's next run is refused by
    #: ``removeJob`` itself, with its reason).
    action_table: ClassVar[ActionTable] = (
        DEFAULT_TABLE.with_jobs(retry=only(JobState.FAILED, JobState.COMPLETED))
        .with_queues(retry_all=(JobState.FAILED, JobState.COMPLETED))
        .with_replay(
            # A dead-letter job is replayed (added anew, then removed) in any state but running:
            # its worker would still finish it.
            all_but(JobState.ACTIVE, reasons={JobState.ACTIVE: RUNNING_NOT_REMOVED})
        )
    )

    # Provided by BullMQBackend.
    alias: str
    prefix: str
    pool: Any
    _require_queue: Callable[..., Any]

    async def act_on_jobs(
        self, queue: str, action: JobAction, job_ids: list[str], *, retry_completed: bool = True
    ) -> ActionOutcome:
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            if action == JobAction.RETRY:
                return await retry(client, keys, job_ids, retry_completed)
            if action == JobAction.PROMOTE:
                return await promote(client, keys, job_ids)
            return await remove(client, keys, job_ids)

    async def count_for(self, queue: str, action: QueueAction, params: QueueActionParams) -> int:
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        with self.pool.translate_errors():
            return await count(client, keys, action, params)

    async def queue_step(
        self, queue: str, action: QueueAction, params: QueueActionParams, batch_size: int
    ) -> ActionOutcome:
        keys = QueueKeys(self.prefix, queue)

        async def once() -> ActionOutcome:
            client = self.pool.get().redis
            with self.pool.translate_errors():
                return await step(client, keys, action, params, max(int(batch_size), 1))

        try:
            return await self.pool.through_failover(once)
        except BackendUnavailable as exc:
            raise BackendUnavailable(
                f"{exc} The batch being sent may or may not have been applied; each batch is "
                "atomic, so no job was lost or duplicated."
            ) from exc
