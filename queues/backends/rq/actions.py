"""What the board can do to RQ jobs and queues (a mixin of ``RQBackend``).

Each action is one of the Lua scripts of ``actions_lua``: the job's state is checked and
changed in one atomic step, so a job a worker moved on meanwhile is skipped with its state and
none is lost or run twice. Job payloads (``data``, ``meta``, results) are never read, so nothing
is unpickled in the web process. Bounds: job actions go 100 ids per script call (fewer on a
long queue for cancel and remove, whose LREM reads the list); a queue-wide step touches at most
``STEP_CAP`` jobs and looks at most at ``SCAN_CAP`` registry entries.

RQ has no per-queue pause: its only pause is the server-wide ``rq:suspended`` flag
(``rq suspend``), offered as SUSPEND_WORKERS / RESUME_WORKERS, never as a queue's pause.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import redis.asyncio
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ...states import JobState
from ..actions import ActionOutcome, JobAction, QueueAction, QueueActionParams, Skip
from ..applicability import ActionTable
from ..errors import BackendError, BackendUnavailable
from . import actions_lua, actions_skips
from .actions_table import RQ_TABLE

#: Job ids per script call (one atomic step each).
JOB_CHUNK = 100
#: List entries the LREMs of one cancel or remove call may read in all: on a long queue
#: fewer ids go per call (LREM reads the list up to the job; one job per call past 100,000).
SCAN_BUDGET = 100_000
#: Job actions that take queued jobs out of their list.
_LIST_SCANS = ("cancel", "remove")
#: Most jobs one queue-wide step changes, whatever the batch size asked for.
STEP_CAP = 100
#: Most registry entries one step looks at (jobs newer than the cutoff stay in place).
SCAN_CAP = 400
#: Above this many entries, a clean by age is counted by the registry's size (an upper bound).
EXACT_COUNT_LIMIT = 10_000
#: RQ's suspension flag (``rq.suspension.WORKERS_SUSPENDED``): no worker takes new jobs.
SUSPENDED_KEY = "rq:suspended"
#: The registry CLEAN deletes from, for each state.
CLEAN_REGISTRY = {
    JobState.COMPLETED: "finished",
    JobState.FAILED: "failed",
    JobState.CANCELED: "canceled",
}
#: Actions on every worker of the server rather than on a queue.
WORKER_ACTIONS = (QueueAction.SUSPEND_WORKERS, QueueAction.RESUME_WORKERS)
_JOB_SCRIPTS = {
    "retry": actions_lua.RETRY,
    "promote": actions_lua.PROMOTE,
    "cancel": actions_lua.CANCEL,
    "stop": actions_lua.STOP,
    "remove": actions_lua.REMOVE,
}


def rq_time(moment: float | None = None) -> str:
    """A time as RQ writes it (``utils.utcformat``): fixed width, so strings compare in order."""
    at = datetime.fromtimestamp(time.time() if moment is None else moment, UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RQActions:
    """The actions of the RQ backend; uses ``RQBackend``'s ``pool`` and ``_require_queue``."""

    # Provided by RQBackend.
    pool: Any
    _require_queue: Callable[..., Awaitable[None]]

    supports_retry: ClassVar[bool] = True
    #: RQ keeps a finished job only for its result_ttl: re-running one is not offered.
    supports_retry_completed: ClassVar[bool] = False
    supports_promote: ClassVar[bool] = True
    supports_remove: ClassVar[bool] = True
    supports_clean: ClassVar[bool] = True
    #: No per-queue pause in RQ (see SUSPEND_WORKERS).
    supports_pause: ClassVar[bool] = False
    supports_empty: ClassVar[bool] = True
    supports_cancel: ClassVar[bool] = True
    supports_stop: ClassVar[bool] = True
    supports_suspend: ClassVar[bool] = True
    #: Which action applies in which state (``actions_table``).
    action_table: ClassVar[ActionTable] = RQ_TABLE

    def action_client(self) -> redis.asyncio.Redis:
        """The Redis client of the running event loop."""
        client: redis.asyncio.Redis = self.pool.get()
        return client

    async def act_on_jobs(
        self, queue: str, action: JobAction, job_ids: list[str], *, retry_completed: bool = True
    ) -> ActionOutcome:
        name = str(action.value)
        source = _JOB_SCRIPTS.get(name)
        if source is None:
            raise NotImplementedError(f"RQ has no job action {action!r}.")
        client = self.action_client()
        outcome = ActionOutcome()
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            script = client.register_script(source)
            now = str(time.time()) if name == "cancel" else rq_time()
            size = JOB_CHUNK
            if name in _LIST_SCANS:
                # Each queued job leaves its list by LREM, which reads the list up to it.
                length = int(await client.llen(f"rq:queue:{queue}"))
                size = max(1, min(JOB_CHUNK, SCAN_BUDGET // max(length, 1)))
            for start in range(0, len(job_ids), size):
                chunk = job_ids[start : start + size]
                replies = await script(keys=[], args=[queue, now, *chunk])
                for job_id, reply in zip(chunk, replies, strict=True):
                    _record(outcome, name, job_id, reply)
        outcome.done = len(outcome.done_ids)
        return outcome

    async def count_for(self, queue: str, action: QueueAction, params: QueueActionParams) -> int:
        client = self.action_client()
        with self.pool.translate_errors():
            if action == QueueAction.RETRY_ALL:
                return int(await client.zcard(f"rq:failed:{queue}"))
            if action == QueueAction.PROMOTE_ALL:
                return int(await client.zcard(f"rq:scheduled:{queue}"))
            if action == QueueAction.EMPTY:
                return int(await client.llen(f"rq:queue:{queue}"))
            if action == QueueAction.CLEAN:
                name, cutoff = _clean_registry(params), time.time() - params.grace_ms / 1000
                script = client.register_script(actions_lua.COUNT_OLDER)
                args: list[Any] = [queue, name, EXACT_COUNT_LIMIT, rq_time(cutoff), cutoff]
                return int(await script(keys=[], args=args))
        return 0

    async def queue_step(
        self, queue: str, action: QueueAction, params: QueueActionParams, batch_size: int
    ) -> ActionOutcome:
        batch = min(max(int(batch_size), 1), STEP_CAP)
        client = self.action_client()
        try:
            with self.pool.translate_errors():
                if action not in WORKER_ACTIONS:
                    await self._require_queue(client, queue)
                return await _step(client, queue, action, params, batch)
        except BackendUnavailable as exc:
            raise BackendUnavailable(
                f"{exc} The batch being sent may or may not have been applied; each batch is "
                "atomic, so no job was lost or duplicated."
            ) from exc

    async def workers_suspended(self) -> bool:
        """Whether RQ's workers are suspended (``rq suspend``): the whole server, every queue."""
        with self.pool.translate_errors():
            return bool(await self.action_client().exists(SUSPENDED_KEY))


def _record(outcome: ActionOutcome, action: str, job_id: str, reply: Any) -> None:
    code, detail = int(reply[0]), _text(reply[1])
    if code == 1:
        outcome.done_ids.append(job_id)
    elif code == 0:
        outcome.skipped.append(actions_skips.moved_on(job_id, actions_skips.WANTED[action], detail))
    elif code == -1:
        outcome.skipped.append(actions_skips.missing(job_id))
    elif code == -2:
        outcome.skipped.append(actions_skips.running(job_id, detail))
    elif code == -3:
        outcome.skipped.append(actions_skips.other_queue(job_id, detail))
    elif code == -4:
        outcome.failed.append(actions_skips.nobody_listening(job_id))
    else:
        outcome.failed.append(actions_skips.failure(job_id, reply))


async def _step(
    client: redis.asyncio.Redis,
    queue: str,
    action: QueueAction,
    params: QueueActionParams,
    batch: int,
) -> ActionOutcome:
    scan = min(max(batch * 4, batch), SCAN_CAP)
    if action in WORKER_ACTIONS:
        if action == QueueAction.SUSPEND_WORKERS:
            await client.set(SUSPENDED_KEY, 1)
        else:
            await client.delete(SUSPENDED_KEY)
        return ActionOutcome()
    if action == QueueAction.RETRY_ALL:
        if params.state not in (None, JobState.FAILED):
            raise BackendError(_("RQ retries failed jobs only."))
        cutoff = params.cutoff_ms / 1000 if params.cutoff_ms is not None else time.time()
        script = client.register_script(actions_lua.RETRY_ALL)
        ids, before, seen = await script(
            keys=[], args=[queue, rq_time(), batch, scan, rq_time(cutoff)]
        )
        return _windowed(ids, int(before), int(seen), batch, scan)
    if action == QueueAction.PROMOTE_ALL:
        script = client.register_script(actions_lua.PROMOTE_ALL)
        ids, left = await script(keys=[], args=[queue, rq_time(), batch])
        done_ids = [_text(i) for i in ids]
        return ActionOutcome(done=len(done_ids), done_ids=done_ids, finished=not int(left))
    if action == QueueAction.CLEAN:
        registry, cutoff = _clean_registry(params), time.time() - params.grace_ms / 1000
        script = client.register_script(actions_lua.CLEAN)
        args: list[Any] = [queue, registry, batch, scan, rq_time(cutoff), cutoff]
        ids, before, seen = await script(keys=[], args=args)
        return _windowed(ids, int(before), int(seen), batch, scan)
    if action == QueueAction.EMPTY:
        script = client.register_script(actions_lua.EMPTY)
        ids, left = await script(keys=[], args=[queue, batch])
        done_ids = [_text(i) for i in ids]
        return ActionOutcome(done=len(done_ids), done_ids=done_ids, finished=not int(left))
    raise NotImplementedError(f"RQ has no queue action {action!r}.")


def _windowed(ids: Sequence[Any], before: int, seen: int, batch: int, scan: int) -> ActionOutcome:
    """A step that looked at a window of a registry: more remain when it filled its batch, or
    changed some jobs while entries lay beyond the window (newer ones stay in front)."""
    done_ids = [_text(i) for i in ids]
    done = len(done_ids)
    beyond = before > seen and seen >= scan
    more = (done >= batch and before > done) or (beyond and done > 0)
    return ActionOutcome(done=done, done_ids=done_ids, finished=not more)


def _clean_registry(params: QueueActionParams) -> str:
    state = params.state or JobState.COMPLETED
    registry = CLEAN_REGISTRY.get(state)
    if registry is None:
        message = _("RQ cleans completed, failed and canceled jobs only, not {state} ones.")
        raise BackendError(format_lazy(message, state=state.phrase_lazy))
    return registry


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


__all__ = ["RQActions", "Skip", "rq_time"]
