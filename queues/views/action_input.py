"""Read what an action request carries: form fields or a JSON body."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..backends.actions import JobAction, QueueAction
from ..conf import setting
from .bodies import body, json_body
from .params import BadRequest


def payload(request: HttpRequest) -> dict[str, Any]:
    """The request's fields: a JSON object body, or the form; bounded (``bodies``)."""
    if request.content_type == "application/json":
        data = json_body(request)
        if not isinstance(data, dict):
            raise BadRequest(_("The request body must be a JSON object."))
        return data
    body(request)
    try:
        form = request.POST
    except TooManyFieldsSent:
        raise BadRequest(_("The form has too many fields.")) from None
    except MultiPartParserError:
        raise BadRequest(_("The form could not be read.")) from None
    return {key: form.getlist(key) if key == "ids" else form.get(key) for key in form}


def job_ids(data: dict[str, Any]) -> list[str]:
    raw = data.get("ids")
    if raw is None or raw == []:
        raise BadRequest(_("Choose at least one job (ids)."))
    if not isinstance(raw, list) or not all(isinstance(i, str | int) for i in raw):
        raise BadRequest(_("ids must be a list of job ids."))
    ids = list(dict.fromkeys(str(i) for i in raw))
    maximum = int(setting("MAX_SELECTION"))
    if len(ids) > maximum:
        message = _("At most {n} jobs can be chosen at once; use a queue action.")
        raise BadRequest(format_lazy(message, n=maximum))
    return ids


def job_action(name: str) -> JobAction:
    try:
        return JobAction(name)
    except ValueError:
        raise BadRequest(format_lazy(_("Unknown job action {name}."), name=repr(name))) from None


def queue_action(name: str) -> QueueAction:
    try:
        return QueueAction(name)
    except ValueError:
        raise BadRequest(format_lazy(_("Unknown queue action {name}."), name=repr(name))) from None
