"""Read what an action request carries: form fields or a JSON body."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest

from ..backends.actions import JobAction, QueueAction
from ..conf import setting
from .params import BadRequest


def payload(request: HttpRequest) -> dict[str, Any]:
    """The request's fields: a JSON object body, or the form."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise BadRequest("The request body must be a JSON object.")
        return data
    return {
        key: request.POST.getlist(key) if key == "ids" else request.POST.get(key)
        for key in request.POST
    }


def job_ids(data: dict[str, Any]) -> list[str]:
    raw = data.get("ids")
    if raw is None or raw == []:
        raise BadRequest("Choose at least one job (ids).")
    if not isinstance(raw, list) or not all(isinstance(i, str | int) for i in raw):
        raise BadRequest("ids must be a list of job ids.")
    ids = list(dict.fromkeys(str(i) for i in raw))
    maximum = int(setting("MAX_SELECTION"))
    if len(ids) > maximum:
        raise BadRequest(f"At most {maximum} jobs can be chosen at once; use a queue action.")
    return ids


def job_action(name: str) -> JobAction:
    try:
        return JobAction(name)
    except ValueError:
        raise BadRequest(f"Unknown job action {name!r}.") from None


def queue_action(name: str) -> QueueAction:
    try:
        return QueueAction(name)
    except ValueError:
        raise BadRequest(f"Unknown queue action {name!r}.") from None
