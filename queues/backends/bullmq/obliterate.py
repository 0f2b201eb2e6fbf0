"""Obliterating a BullMQ queue: bullmq's own ``obliterate-2.lua``, called again and again.

``bullmq.Queue.obliterate`` pauses the queue and calls that script with a count of 1,000 until
it reports nothing left; a call deleting 1,000 jobs with their logs can hold Redis for tens of
milliseconds. The board calls the same script, shipped in the ``bullmq`` package, with a count
of ``OBLITERATE_CAP`` per call, one call per bulk-run batch, so Redis serves its other clients
between calls. Each call runs in one transaction between two reads of the state sizes, which
say exactly how many jobs it deleted.

The script refuses a queue that is not paused (-1) and, without ``force``, one with active
jobs (-2); both are checked again by every call, so a queue resumed or a job taken meanwhile
stops the run with that reason. Once the script reports the queue gone, it leaves discovery's
list and the kept list (``kept_queues``), so it leaves the overview at once, without a scan.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ..actions import ActionOutcome, QueueAction, QueueActionParams
from ..errors import BackendError
from .keys import STATE_KEYS, QueueKeys
from .pipeline import cmd, lua, send
from .scripts import script_text

#: Jobs one script call deletes at most (bullmq's own default is 1,000).
OBLITERATE_CAP = 200
#: The state keys, counted around each call.
_SIZE_KEYS = tuple((name, kind) for name, kind in STATE_KEYS.values())

_ERRORS = {
    -1: _("The queue must be paused first; it was resumed meanwhile."),
    -2: _("The queue has active jobs; obliterate with force to delete them too."),
}


class ObliterateRefused(BackendError):
    status = 409
    code = "conflict"


def _sizes(keys: QueueKeys) -> list[Any]:
    return [cmd("LLEN" if kind == "list" else "ZCARD", keys.key(name)) for name, kind in _SIZE_KEYS]


class BullMQObliterateMixin:
    """``queue_step`` and ``count_for`` of ``QueueAction.OBLITERATE`` for ``BullMQBackend``;
    every other action goes on to ``BullMQActionsMixin``."""

    prefix: str
    pool: Any
    discovery: Any
    supports_obliterate = True

    async def count_for(self, queue: str, action: QueueAction, params: QueueActionParams) -> int:
        if action != QueueAction.OBLITERATE:
            return int(await super().count_for(queue, action, params))  # type: ignore[misc]
        client = self.pool.get().redis
        with self.pool.translate_errors():
            (replies,) = await send(client, [_sizes(QueueKeys(self.prefix, queue))])
        return sum(int(n) for n in replies if isinstance(n, int))

    async def queue_step(
        self, queue: str, action: QueueAction, params: QueueActionParams, batch_size: int
    ) -> ActionOutcome:
        if action != QueueAction.OBLITERATE:
            step = super().queue_step(queue, action, params, batch_size)  # type: ignore[misc]
            return await step
        client = self.pool.get().redis
        keys = QueueKeys(self.prefix, queue)
        count = max(min(int(batch_size), OBLITERATE_CAP), 1)
        script = client.register_script(script_text("obliterate-2.lua"))
        call = lua(script, [keys.key("meta"), keys.base], [count, "force" if params.force else ""])
        with self.pool.translate_errors():
            (replies,) = await send(
                client, [[*_sizes(keys), call, *_sizes(keys)]], transaction=True
            )
        width = len(_SIZE_KEYS)
        before, (left,), after = replies[:width], replies[width : width + 1], replies[width + 1 :]
        for reply in replies:
            if isinstance(reply, Exception):
                raise BackendError(str(reply))
        if int(left) < 0:
            raise ObliterateRefused(_ERRORS.get(int(left), _("Redis refused to obliterate.")))
        done = max(sum(int(n) for n in before) - sum(int(n) for n in after), 0)
        if int(left) == 0:
            await self.discovery.remove(client, [queue])
        return ActionOutcome(done=done, finished=int(left) == 0)
