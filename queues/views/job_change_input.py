"""Read what an add or a change carries (a form, or a JSON body) into the shapes of
``backends.job_input``; the form's fields are read into the API's body shape first."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from ..backends.job_input import InvalidJob
from .bodies import MAX_DEPTH, deeper_than

#: The add form's option fields, by BullMQ's option name.
FORM_OPTIONS = {
    "delay": "delay",
    "priority": "priority",
    "attempts": "attempts",
    "jobId": "job_id",
    "lifo": "lifo",
    "removeOnComplete": "remove_on_complete",
    "removeOnFail": "remove_on_fail",
}


def json_field(text: Any, name: str = "data") -> Any:
    """A form's JSON text parsed (an empty box is ``{}``), or ``InvalidJob`` saying where."""
    if not isinstance(text, str) or not text.strip():
        return {}
    try:
        value = json.loads(text, parse_constant=_refuse)
    except RecursionError:
        raise InvalidJob([(name, _("data is nested too deeply."))]) from None
    except ValueError as exc:
        raise InvalidJob([(name, _format(name, exc))]) from None
    if deeper_than(value, MAX_DEPTH):
        raise InvalidJob([(name, _("data is nested too deeply."))])
    return value


def _format(name: str, exc: ValueError) -> str:
    return str(_("{name} is not valid JSON: {error}")).format(name=name, error=exc)


def _refuse(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def form_body(form: dict[str, Any]) -> dict[str, Any]:
    """The add form as the API's ``{"name", "data", "options"}``."""
    options: dict[str, Any] = {}
    for option, field in FORM_OPTIONS.items():
        value = form.get(field)
        if value not in (None, ""):
            options[option] = value.strip() if isinstance(value, str) else value
    if form.get("backoff_type"):
        options["backoff"] = {
            "type": form.get("backoff_type"),
            "delay": form.get("backoff_delay") or 0,
        }
    data = json_field(form.get("data"))
    return {"name": form.get("name") or "", "data": data, "options": options}


def run_at(value: Any) -> datetime:
    """When a job should run: an ISO 8601 time (UTC unless it names an offset) or epoch
    milliseconds; in the future."""
    when: datetime | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            when = datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            when = None
    elif isinstance(value, str) and 0 < len(value) <= 40:
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            when = None
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    if when is None:
        message = _("run_at must be an ISO 8601 date and time (UTC) or epoch milliseconds.")
        raise InvalidJob([("run_at", message)])
    if when <= datetime.now(UTC):
        raise InvalidJob([("run_at", _("run_at must be in the future."))])
    return when


def priority(value: Any, least: int, most: int) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 12:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        message = str(_("priority must be a whole number from {least} to {most}."))
        raise InvalidJob([("priority", message.format(least=least, most=most))])
    return value
