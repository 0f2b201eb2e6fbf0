"""Parameters of queue actions (state, grace, limit) read from what the user sent."""

from __future__ import annotations

import time
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..backends.actions import QueueAction, QueueActionParams
from ..backends.base import QueueBackend
from ..errors import BadRequest
from ..states import JobState

_UNITS = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
#: The states a bulk retry may be asked for; the backend's action table says which it offers.
RETRYABLE = (JobState.FAILED, JobState.COMPLETED)


def parse_grace(raw: str | None) -> int:
    """``"90"``, ``"90s"``, ``"15m"``, ``"1h"``, ``"2d"``, ``"1w"`` → milliseconds."""
    if raw in (None, ""):
        return 0
    text = str(raw).strip().lower()
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = text[len(number) :]
    try:
        value = float(number)
    except ValueError:
        value = -1.0
    if unit not in _UNITS or value < 0 or value != value or value > 10**8:
        message = _("grace must be an age such as 90s, 15m, 1h or 2d, not {value}.")
        raise BadRequest(format_lazy(message, value=repr(raw)))
    return int(value * _UNITS[unit] * 1000)


def parse_limit(raw: object) -> int | None:
    """A form's ``"25"`` or JSON's ``25`` → 25; 0 or empty → None (no limit)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = int(str(raw))  # str(): JSON's 1.5 and true are refused, not cut to 1
    except ValueError:
        message = _("limit must be a whole number, not {value}.")
        raise BadRequest(format_lazy(message, value=repr(raw))) from None
    if value < 0:
        raise BadRequest(_("limit must be 0 (no limit) or more."))
    return value or None


def action_state(raw: str | None, allowed: tuple[JobState, ...], default: JobState) -> JobState:
    if raw in (None, ""):
        return default
    try:
        state = JobState.parse(str(raw))
    except ValueError as exc:
        raise BadRequest(exc.args[0]) from None
    if state not in allowed:
        names = ", ".join(s.value for s in allowed)
        message = _("This action takes a state among {names}, not {state}.")
        raise BadRequest(format_lazy(message, names=names, state=repr(state.value)))
    return state


def queue_params(backend: QueueBackend, action: QueueAction, data: Any) -> QueueActionParams:
    """Validate what the user sent for ``action``; malformed values raise ``BadRequest``."""
    limit = parse_limit(data.get("limit"))
    if action == QueueAction.RETRY_ALL:
        offered = backend.queue_action_states(action)
        asked = tuple(dict.fromkeys((*offered, *RETRYABLE)))
        state = action_state(data.get("state"), asked, JobState.FAILED)
        if state not in offered:
            message = _("{backend} cannot retry completed jobs.")
            raise BadRequest(format_lazy(message, backend=backend.label))
        return QueueActionParams(state=state, limit=limit, cutoff_ms=int(time.time() * 1000))
    if action == QueueAction.CLEAN:
        states = backend.queue_action_states(action)
        default = states[0] if states and JobState.COMPLETED not in states else JobState.COMPLETED
        state = action_state(data.get("state"), states, default)
        return QueueActionParams(state=state, grace_ms=parse_grace(data.get("grace")), limit=limit)
    if action == QueueAction.PROMOTE_ALL:
        return QueueActionParams(state=JobState.DELAYED, limit=limit)
    if action == QueueAction.EMPTY:
        return QueueActionParams(state=JobState.WAITING, limit=limit)
    return QueueActionParams()
