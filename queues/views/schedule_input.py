"""Read what a schedule edit carries (form fields or a JSON body) into a ``ScheduleEdit``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from ..backends.schedule_types import ScheduleEdit
from .bodies import MAX_DEPTH, deeper_than
from .params import BadRequest

#: Longest text accepted in a field other than the data.
FIELD_MAX = 200


def _text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRequest(_("%(name)s must be text.") % {"name": name})
    if len(value) > FIELD_MAX:
        raise BadRequest(_("%(name)s is too long.") % {"name": name})
    return value.strip() or None


def _whole(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadRequest(_("%(name)s must be a whole number.") % {"name": name})
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) <= 20:
        return int(value)
    raise BadRequest(_("%(name)s must be a whole number.") % {"name": name})


def _when(data: dict[str, Any], name: str) -> datetime | None:
    """An ISO 8601 date and time (UTC when it names no offset) or epoch milliseconds."""
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            raise BadRequest(_("%(name)s is out of range.") % {"name": name}) from None
    if isinstance(value, str) and len(value) <= FIELD_MAX:
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    raise BadRequest(
        _("%(name)s must be an ISO 8601 date and time or epoch milliseconds.") % {"name": name}
    )


def schedule_edit(data: dict[str, Any]) -> ScheduleEdit:
    """The edit asked for; ``data`` given as JSON text (a form) or any JSON value (a body)."""
    given = "data" in data and data["data"] not in (None, "")
    value: Any = None
    if given:
        value = data["data"]
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except (ValueError, RecursionError):
                raise BadRequest(_("data must be JSON.")) from None
            if deeper_than(value, MAX_DEPTH):
                raise BadRequest(_("data is nested too deeply."))
    return ScheduleEdit(
        pattern=_text(data, "pattern"),
        every=_whole(data, "every"),
        tz=_text(data, "tz"),
        limit=_whole(data, "limit"),
        end_at=_when(data, "end_at"),
        data=value,
        data_given=given,
    )
