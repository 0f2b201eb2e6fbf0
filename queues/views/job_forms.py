"""Pages for adding and changing jobs: the add form (empty, from the queue's JSON Schema, or a
job's duplicate), the edit-data form, and the job page's reschedule, priority and
remove-children buttons (POST forms redirected back with a notice)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..actions import job_changes
from ..actions.job_changes import ChangeAction
from ..backends.base import QueueBackend
from ..backends.errors import BackendError, JobNotFound
from ..backends.job_input import (
    PRIORITY_MAX,
    InvalidJob,
    JobChange,
    parse_data,
    parse_new_job,
    schema_for,
)
from ..backends.types import JobDetail
from ..reading import visible_backend
from ..redaction import aredactor_for, redact_job, refuse_masked
from . import notices
from .action_input import payload
from .guards import board_page, render_page
from .job_change_input import form_body, json_field, priority, run_at
from .methods import require_http_methods, require_POST
from .params import BadRequest


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def skeleton(schema: dict[str, Any] | None) -> Any:
    """Data to start from: the schema's first example or default, else its properties with
    each one's default (or an empty value of its type)."""
    if not schema:
        return {}
    for key in ("examples", "default"):
        found = schema.get(key)
        if key == "examples" and isinstance(found, list) and found:
            return found[0]
        if key == "default" and found is not None:
            return found
    empty = {"string": "", "integer": 0, "number": 0, "boolean": False, "array": [], "object": {}}
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return {}
    result = {}
    for name, spec in properties.items():
        spec = spec if isinstance(spec, dict) else {}
        kind = spec.get("type")
        result[name] = spec.get("default", empty.get(kind, None) if isinstance(kind, str) else None)
    return result


def _fields(schema: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The schema's properties described for the form (name, type, required, description)."""
    if not schema or not isinstance(schema.get("properties"), dict):
        return []
    required = set(schema.get("required") or ())
    return [
        {
            "name": name,
            "type": spec.get("type", "") if isinstance(spec, dict) else "",
            "required": name in required,
            "description": spec.get("description", "") if isinstance(spec, dict) else "",
        }
        for name, spec in list(schema["properties"].items())[:50]
    ]


def _duplicate(job: JobDetail, backend: QueueBackend) -> dict[str, Any]:
    """A job's name, data and options as the add form's values (a new id: none)."""
    options = job.named_options or job.options
    opts = options.value if isinstance(getattr(options, "value", None), dict) else {}
    values: dict[str, Any] = {
        "name": backend.name_to_add(job),
        "data": _pretty(job.data.value) if job.data.is_json else (job.data.text or "{}"),
    }
    for option, field in (("delay", "delay"), ("priority", "priority"), ("attempts", "attempts"),
                          ("lifo", "lifo"), ("removeOnComplete", "remove_on_complete"),
                          ("removeOnFail", "remove_on_fail")):  # fmt: skip
        if option in opts and option in backend.add_job_options:
            values[field] = opts[option]
    if job.priority and "priority" in backend.add_job_options:
        values["priority"] = job.priority
    backoff = opts.get("backoff")
    if isinstance(backoff, dict) and "backoff" in backend.add_job_options:
        values["backoff_type"] = backoff.get("type", "")
        values["backoff_delay"] = backoff.get("delay", "")
    return values


async def _form(
    request: HttpRequest,
    backend: QueueBackend,
    queue: str,
    values: dict[str, Any],
    errors: list[tuple[str, str]] | None = None,
    duplicate_of: str | None = None,
) -> HttpResponse:
    schema = schema_for(backend, queue)
    context = {
        "backend": backend,
        "queue_name": queue,
        "values": values,
        "errors": [(name, str(message)) for name, message in errors or []],
        "schema_text": _pretty(schema) if schema else "",
        "schema_fields": _fields(schema),
        "options": backend.add_job_options,
        "tasks": backend.job_names_are_paths,
        "duplicate_of": duplicate_of,
        "priority_max": PRIORITY_MAX,
    }
    return await render_page(request, "queues/job_form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@board_page
async def add_job(request: HttpRequest, alias: str, queue: str) -> HttpResponse:
    """The add form; ``?from=<job id>``: prefilled with that job (duplicate)."""
    backend = await visible_backend(request.user, alias, queue)
    await backend.get_queue(queue)
    await job_changes.check(request.user, backend, queue, ChangeAction.ADD)
    if request.method != "POST":
        source = request.GET.get("from")
        if source:
            job = await backend.get_job(queue, source[:1000])
            values = _duplicate(redact_job(await aredactor_for(request.user), job), backend)
            return await _form(request, backend, queue, values, duplicate_of=job.id)
        schema = schema_for(backend, queue)
        start = skeleton(schema) if schema else backend.new_job_data
        return await _form(request, backend, queue, {"data": _pretty(start)})
    form = payload(request)
    try:
        new = parse_new_job(form_body(form), backend, queue)
        refuse_masked(await aredactor_for(request.user), data=new.data, options=new.options)
        added = await job_changes.add_job(request.user, backend, queue, new)
    except InvalidJob as exc:
        errors = [(name, str(message)) for name, message in exc.errors]
        return await _form(request, backend, queue, form, errors)  # a form's errors: 200
    except BackendError as exc:
        if exc.status >= 500 or isinstance(exc, JobNotFound):
            raise
        return await _form(request, backend, queue, form, [("", str(exc))])
    await notices.add(request, str(format_lazy(_("Job {job} added."), job=added.id)))
    return HttpResponseRedirect(reverse("queues:job", args=[alias, queue, added.id]))


@require_http_methods(["GET", "HEAD", "POST"])
@board_page
async def edit_job(request: HttpRequest, alias: str, queue: str, job_id: str) -> HttpResponse:
    backend = await visible_backend(request.user, alias, queue)
    redactor = await aredactor_for(request.user)
    job = redact_job(redactor, await backend.get_job(queue, job_id))
    await job_changes.check(request.user, backend, queue, ChangeAction.EDIT, job_id)
    errors: list[tuple[str, str]] = []
    text = _pretty(job.data.value) if job.data.is_json else job.data.text
    if request.method == "POST":
        form = payload(request)
        text = str(form.get("data") or "")
        try:
            data = parse_data(json_field(text), backend, queue)
            refuse_masked(redactor, data=data)
            await job_changes.edit_data(request.user, backend, queue, job_id, data)
        except InvalidJob as exc:
            errors = [(n, str(m)) for n, m in exc.errors]
        except BackendError as exc:
            if exc.status >= 500 or isinstance(exc, JobNotFound):
                raise
            errors = [("", str(exc))]
        else:
            changed = format_lazy(_("Job {job}: its data changed."), job=job_id)
            await notices.add(request, str(changed))
            return HttpResponseRedirect(reverse("queues:job", args=[alias, queue, job_id]))
    elif not backend.change_applies(JobChange.EDIT, job.state):
        message = _("Job {job} is {state}; only a job that has not started can be edited.")
        errors = [("", str(format_lazy(message, job=job_id, state=job.state.phrase_lazy)))]
    schema = schema_for(backend, queue)
    context = {
        "backend": backend,
        "queue_name": queue,
        "job": job,
        "data_text": text,
        "errors": errors,
        "schema_text": _pretty(schema) if schema else "",
        "schema_fields": _fields(schema),
        "editable": backend.change_applies(JobChange.EDIT, job.state),
        "errors_title": _("The data was not saved:")
        if request.method == "POST"
        else _("This job cannot be edited:"),
    }
    return await render_page(request, "queues/job_edit.html", context)


@require_POST
@board_page
async def change_job(
    request: HttpRequest, alias: str, queue: str, job_id: str, change: str
) -> HttpResponse:
    """Reschedule, change the priority, remove the unprocessed children; back to the job."""
    actions = {
        "reschedule": ChangeAction.RESCHEDULE,
        "priority": ChangeAction.PRIORITY,
        "remove-children": ChangeAction.REMOVE_CHILDREN,
    }
    if change not in actions:
        raise BadRequest(format_lazy(_("Unknown job change {name}."), name=repr(change)))
    action = actions[change]
    backend = await visible_backend(request.user, alias, queue)
    here = reverse("queues:job", args=[alias, queue, job_id])
    user = request.user
    try:
        await job_changes.check(user, backend, queue, action, job_id)
        form = payload(request)
        if action == ChangeAction.RESCHEDULE:
            when = run_at(form.get("run_at"))
            await job_changes.reschedule(user, backend, queue, job_id, when)
            text = format_lazy(_("Job {job} rescheduled to {when}."), job=job_id, when=when)
        elif action == ChangeAction.PRIORITY:
            wanted = priority(form.get("priority"), 0, PRIORITY_MAX)
            await job_changes.change_priority(user, backend, queue, job_id, wanted)
            text = format_lazy(_("Job {job}: priority {n}."), job=job_id, n=wanted)
        else:
            await job_changes.remove_children(user, backend, queue, job_id)
            text = format_lazy(_("Job {job}: its unprocessed children removed."), job=job_id)
    except (BadRequest, BackendError) as exc:
        if isinstance(exc, JobNotFound) or getattr(exc, "status", 400) >= 500:
            raise
        await notices.add(request, str(exc), "error")
        return HttpResponseRedirect(here)
    await notices.add(request, str(text))
    return HttpResponseRedirect(here)
