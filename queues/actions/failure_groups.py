"""Retry or remove a failure group: checked, counted, then a bulk run (``actions.bulk``)."""

from __future__ import annotations

import re
import time
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..backends.actions import QueueAction, QueueActionParams
from ..backends.base import QueueBackend
from ..backends.errors import BackendError
from ..errors import BadRequest
from ..models import BulkRun
from ..states import JobState
from .bulk import start_run
from .jobs import check_allowed

#: The URL word of each group action.
GROUP_ACTION_FOR = {"retry": QueueAction.RETRY_GROUP, "remove": QueueAction.REMOVE_GROUP}
_KEY = re.compile(r"[0-9a-f]{12}")


class GroupNotFound(BackendError):
    status = 404
    code = "failure_group_not_found"

    def __init__(self, queue: str, key: str) -> None:
        message = _(
            "No failed job of queue {queue} has the cause {key} now (it may have been retried "
            "or removed, or be beyond the newest failed jobs read)."
        )
        super().__init__(format_lazy(message, queue=repr(queue), key=repr(key)))


class NoFailureGroups(BackendError):
    status = 404
    code = "not_supported"

    def __init__(self, label: str) -> None:
        super().__init__(format_lazy(_("{backend} cannot group failures."), backend=label))


def require_groups(backend: QueueBackend) -> None:
    if not backend.supports_failure_groups:
        raise NoFailureGroups(backend.label)


def group_action(word: str) -> QueueAction:
    try:
        return GROUP_ACTION_FOR[word]
    except KeyError:
        raise BadRequest(_("A failure group can be retried or removed.")) from None


def group_params(key: str) -> QueueActionParams:
    """Only jobs failed up to now (the run's start), of the group ``key``."""
    if not _KEY.fullmatch(key):
        raise BadRequest(_("A failure group's key is 12 hexadecimal digits."))
    return QueueActionParams(state=JobState.FAILED, cutoff_ms=int(time.time() * 1000), group=key)


async def check_group_allowed(
    user: Any, backend: QueueBackend, queue: str, action: QueueAction
) -> None:
    """Refused (and audited) as any action is; only for backends that can group failures."""
    require_groups(backend)
    await check_allowed(user, backend, queue, action)


async def start_group_run(
    user: Any, backend: QueueBackend, queue: str, action: QueueAction, key: str
) -> BulkRun:
    """A bulk run over the group's jobs failed before now; ``GroupNotFound`` when none is."""
    from ..failure_groups import count_group

    await check_group_allowed(user, backend, queue, action)
    params = group_params(key)
    if not await count_group(backend, queue, params):
        raise GroupNotFound(queue, key)
    return await start_run(user, backend, queue, action, params)
