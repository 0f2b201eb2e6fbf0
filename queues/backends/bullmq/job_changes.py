"""Adding and changing BullMQ jobs.

* add: the ``bullmq`` package's own ``Queue.add`` on the board's client (one script call);
* edit data: ``lua/edit_data.lua`` checks the job is still in a state that has not started and
  writes the data in the same call (the package's ``Job.updateData`` writes whatever the state);
* reschedule: bullmq's ``changeDelay`` script (refuses a job no longer delayed);
* priority: bullmq's ``changePriority`` script, guarded by a check that the job is still
  prioritized in the same call (alone it would also reprioritize a waiting job, and write the
  priority of a running one);
* remove children: bullmq's ``removeUnprocessedChildren`` script, guarded by a check that the
  parent still waits for its children.

Each change is one MULTI, the value before read inside it, so before and after are exact.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, ClassVar

import redis.asyncio
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ...actions.errors import JobConflict
from ...states import JobState
from .. import untrusted
from ..errors import BackendError, JobNotFound
from ..job_input import ALL_OPTIONS, JobChange, NewJob
from ..types import JobDetail
from .job_states import current_states
from .keys import DELAY_FACTOR, STATE_KEYS, QueueKeys
from .pipeline import cmd, lua, send
from .scripts import script_text

#: States whose jobs have not started: their data may still be replaced.
EDITABLE = (JobState.WAITING, JobState.PAUSED, JobState.DELAYED, JobState.PRIORITIZED)
STATES: dict[JobChange, tuple[JobState, ...]] = {
    JobChange.EDIT: (*EDITABLE, JobState.FAILED),
    JobChange.RESCHEDULE: (JobState.DELAYED,),
    JobChange.PRIORITY: (JobState.PRIORITIZED,),
    JobChange.REMOVE_CHILDREN: (JobState.WAITING_CHILDREN,),
}
_GUARDS = {
    # changePriority-7: KEYS[4] prioritized, ARGV[3] the job id.
    "priority": 'if redis.call("ZSCORE", KEYS[4], ARGV[3]) == false then return -3 end\n',
    # removeUnprocessedChildren-2 with a third key, waiting-children; ARGV[2] the job id.
    "children": 'if redis.call("ZSCORE", KEYS[3], ARGV[2]) == false then return -3 end\n',
}


@cache
def _scripts_text() -> dict[str, str]:
    edit = resources.files(__package__).joinpath("lua", "edit_data.lua")
    return {
        "edit": edit.read_text(encoding="utf-8"),
        "delay": script_text("changeDelay-4.lua"),
        "priority": _GUARDS["priority"] + script_text("changePriority-7.lua"),
        "children": _GUARDS["children"] + script_text("removeUnprocessedChildren-2.lua"),
    }


_registered: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _scripts(client: redis.asyncio.Redis) -> dict[str, Any]:
    found = _registered.get(client)
    if found is None:
        found = {name: client.register_script(text) for name, text in _scripts_text().items()}
        _registered[client] = found
    return found


def _now_ms() -> int:
    return round(time.time() * 1000)


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _raise(*replies: Any) -> None:
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply


class BullMQJobChangesMixin:
    """Mixed into ``BullMQBackend``; uses its ``pool``, ``prefix``, ``_require_queue`` and
    ``get_job``."""

    supports_add_job = True
    supports_edit_job = True
    supports_reschedule = True
    supports_change_priority = True
    supports_remove_children = True
    add_job_options: ClassVar[frozenset[str]] = ALL_OPTIONS
    job_change_states: ClassVar[dict[JobChange, tuple[JobState, ...]]] = STATES

    alias: str
    prefix: str
    pool: Any
    _require_queue: Callable[..., Any]
    get_job: Callable[..., Any]
    _bullmq_queues: weakref.WeakKeyDictionary[Any, dict[str, Any]]

    def _package_queue(self, client: Any, queue: str) -> Any:
        """The ``bullmq.Queue`` of ``queue`` on the board's client (one per event loop)."""
        from bullmq import Queue

        cache = self.__dict__.setdefault("_bullmq_queues", weakref.WeakKeyDictionary())
        per_client = cache.setdefault(client, {})
        found = per_client.get(queue)
        if found is None:
            found = per_client[queue] = Queue(queue, {"connection": client, "prefix": self.prefix})
        return found

    async def add_job(self, queue: str, job: NewJob) -> JobDetail:
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            wanted = job.options.get("jobId")
            if wanted and await client.exists(keys.job(wanted)):
                message = _("A job with the id {job} is already in {queue}; choose another id.")
                raise JobConflict(format_lazy(message, job=repr(wanted), queue=repr(queue)))
            try:
                added = await self._package_queue(client, queue).add(
                    job.name, job.data, dict(job.options)
                )
            except (TypeError, ValueError) as exc:  # the package's own refusals
                message = _("BullMQ refused the job: {error}")
                raise BackendError(format_lazy(message, error=str(exc)[:300])) from exc
        return await self.get_job(queue, _text(added.id))

    async def edit_job_data(self, queue: str, job_id: str, data: Any) -> tuple[Any, JobState]:
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        allowed = STATES[JobChange.EDIT]
        state_keys = [keys.state(state) for state in allowed]
        types = [STATE_KEYS[state][1] for state in allowed]
        text = _dumps(data)
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            script = _scripts(client)["edit"]
            ((reply,),) = await send(
                client, [[lua(script, [keys.job(job_id), *state_keys], [text, job_id, *types])]]
            )
            _raise(reply)
            if reply[0] == -1:
                raise JobNotFound(queue, job_id)
            if reply[0] == 0:
                await self._conflict(client, keys, job_id, _("its data can no longer be edited"))
        old = reply[2]
        return _loads(old), allowed[int(reply[1]) - 1]

    async def reschedule_job(self, queue: str, job_id: str, run_at: datetime) -> datetime | None:
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        delay = round(run_at.timestamp() * 1000) - _now_ms()
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            names = ["delayed", "meta", "marker", "events"]
            call = lua(
                _scripts(client)["delay"],
                [keys.key(n) for n in names],
                [max(delay, 0), _now_ms(), job_id, keys.job(job_id)],
            )
            ((score, reply),) = await send(
                client, [[cmd("ZSCORE", keys.key("delayed"), job_id), call]], transaction=True
            )
            _raise(score, reply)
            if reply == -1:
                raise JobNotFound(queue, job_id)
            if reply != 0:
                await self._conflict(client, keys, job_id, _("it cannot be rescheduled"))
        if score is None:
            return None
        return datetime.fromtimestamp(int(float(score)) // DELAY_FACTOR / 1000, UTC)

    async def change_job_priority(self, queue: str, job_id: str, priority: int) -> int:
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            opts = await client.hget(keys.job(job_id), "opts")
            names = ["wait", "paused", "meta", "prioritized", "active", "pc", "marker"]
            lifo = "1" if _lifo(opts) else "0"
            call = lua(
                _scripts(client)["priority"],
                [keys.key(n) for n in names],
                [priority, keys.base, job_id, lifo],
            )
            ((before, reply),) = await send(
                client, [[cmd("HGET", keys.job(job_id), "priority"), call]], transaction=True
            )
            _raise(before, reply)
            if reply == -1:
                raise JobNotFound(queue, job_id)
            if reply != 0:
                await self._conflict(client, keys, job_id, _("its priority cannot be changed"))
        return int(before or 0)

    async def remove_unprocessed_children(self, queue: str, job_id: str) -> int:
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        with self.pool.translate_errors():
            await self._require_queue(client, queue)
            call = lua(
                _scripts(client)["children"],
                [keys.job(job_id), keys.key("meta"), keys.key("waiting-children")],
                [keys.base, job_id],
            )
            dependencies = keys.job_part(job_id, "dependencies")
            ((exists, waiting, reply),) = await send(
                client,
                [[cmd("EXISTS", keys.job(job_id)), cmd("SCARD", dependencies), call]],
                transaction=True,
            )
            _raise(exists, waiting, reply)
            if exists != 1:
                raise JobNotFound(queue, job_id)
            if reply == -3:
                await self._conflict(client, keys, job_id, _("it waits for no children"))
        return int(waiting)

    async def _conflict(self, client: Any, keys: QueueKeys, job_id: str, what: Any) -> None:
        """Raise ``JobConflict`` saying the job's state now (or ``JobNotFound``)."""
        exists, state = (await current_states(client, keys, [job_id]))[job_id]
        if not exists:
            raise JobNotFound(keys.name, job_id)
        now = state.phrase_lazy if state else _("in no state list")
        message = _("Job {job} is now {now}; {what}.")
        raise JobConflict(format_lazy(message, job=job_id, now=now, what=what), state)


def _dumps(data: Any) -> str:
    import json

    return json.dumps(data, separators=(",", ":"), allow_nan=False, ensure_ascii=False)


def _loads(raw: Any) -> Any:
    if raw is None or raw is False:
        return None
    try:
        return untrusted.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _text(raw)


def _lifo(raw: Any) -> bool:
    value = _loads(raw)
    return isinstance(value, dict) and bool(value.get("lifo"))
