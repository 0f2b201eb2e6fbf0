"""Adding and changing jobs: what is asked (``NewJob``, ``JobChange``), read and validated
once, before anything is sent to a backend.

Options use BullMQ's names (``delay``, ``priority``, ``attempts``, ``backoff``, ``jobId``,
``lifo``, ``removeOnComplete``, ``removeOnFail``); a backend accepts those of its
``add_job_options``. A queue's data may be checked against a JSON Schema given in the
backend's ``OPTIONS["job_schemas"]`` (``{"queue name": {...schema...}}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..language import Text
from .errors import BackendError

#: Longest job name (BullMQ's names are free text; Django Tasks' are import paths).
NAME_MAX = 200
#: Longest custom job id.
JOB_ID_MAX = 200
#: BullMQ's highest priority (2 ** 21).
PRIORITY_MAX = 2_097_152
#: Longest delay: ten years in milliseconds.
DELAY_MAX_MS = 10 * 365 * 86_400_000
ATTEMPTS_MAX = 1000
BACKOFF_TYPES = ("fixed", "exponential")
#: Every option name a backend may accept.
ALL_OPTIONS = frozenset(
    {"delay", "priority", "attempts", "backoff", "jobId", "lifo"}
    | {"removeOnComplete", "removeOnFail"}
)


class JobChange(StrEnum):
    """Changes to a job (besides retry, promote, remove)."""

    EDIT = "edit"
    RESCHEDULE = "reschedule"
    PRIORITY = "priority"
    REMOVE_CHILDREN = "remove-children"


@dataclass(frozen=True)
class NewJob:
    """A job to add: ``options`` holds only the options given, under BullMQ's names."""

    name: str
    data: Any
    options: dict[str, Any] = field(default_factory=dict)


class InvalidJob(BackendError):
    """What was asked cannot be sent; ``errors``: (field, message) pairs, in the API as
    ``{"error": {..., "errors": [{"field": ..., "message": ...}]}}``."""

    status = 400
    code = "invalid_job"

    def __init__(self, errors: list[tuple[str, Text]]) -> None:
        first = errors[0][1] if errors else _("The job is not valid.")
        super().__init__(first if len(errors) == 1 else _("The job is not valid; see the errors."))
        self.errors = errors

    @property
    def details(self) -> dict[str, Any]:
        return {"errors": [{"field": f, "message": str(m)} for f, m in self.errors]}


def _whole(value: Any, name: str, least: int, most: int, errors: list[tuple[str, Text]]) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 20:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        message = _("{name} must be a whole number from {least} to {most}.")
        errors.append((name, format_lazy(message, name=name, least=least, most=most)))
        return least
    return value


def _keep(value: Any, name: str, errors: list[tuple[str, Text]]) -> bool | int:
    """``removeOnComplete``/``removeOnFail``: true, false, or how many jobs to keep."""
    if isinstance(value, bool):
        return value
    if value in ("true", "on", "1"):
        return True
    if value in ("false", "off", "0", ""):
        return False
    return _whole(value, name, 0, 1_000_000, errors)


def parse_options(raw: Any, accepted: frozenset[str]) -> tuple[dict[str, Any], list]:
    """The options under BullMQ's names, and the errors found in them."""
    errors: list[tuple[str, Text]] = []
    if raw in (None, ""):
        return {}, errors
    if not isinstance(raw, dict):
        return {}, [("options", _("options must be a JSON object."))]
    options: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in accepted:
            known = ", ".join(sorted(accepted)) or "none"
            message = _("Unknown option {name} (accepted here: {known}).")
            errors.append((str(name)[:40], format_lazy(message, name=repr(name)[:40], known=known)))
            continue
        if value is None or value == "":
            continue
        if name == "delay":
            options[name] = _whole(value, name, 0, DELAY_MAX_MS, errors)
        elif name == "priority":
            options[name] = _whole(value, name, 0, PRIORITY_MAX, errors)
        elif name == "attempts":
            options[name] = _whole(value, name, 1, ATTEMPTS_MAX, errors)
        elif name == "backoff":
            options[name] = _backoff(value, errors)
        elif name == "jobId":
            options[name] = _job_id(value, errors)
        elif name == "lifo":
            options[name] = _keep(value, name, errors) is True
        else:
            options[name] = _keep(value, name, errors)
    return options, errors


def _backoff(value: Any, errors: list[tuple[str, Text]]) -> dict[str, Any]:
    if not isinstance(value, dict) or value.get("type") not in BACKOFF_TYPES:
        message = _('backoff must be {"type": "fixed" or "exponential", "delay": milliseconds}.')
        errors.append(("backoff", message))
        return {}
    delay = _whole(value.get("delay", 0), "backoff.delay", 0, DELAY_MAX_MS, errors)
    return {"type": value["type"], "delay": delay}


def _job_id(value: Any, errors: list[tuple[str, Text]]) -> str:
    text = value if isinstance(value, str) else ""
    if not text.strip() or len(text) > JOB_ID_MAX:
        message = _("jobId must be text of 1 to {n} characters.")
        errors.append(("jobId", format_lazy(message, n=JOB_ID_MAX)))
    elif text.isdigit():  # BullMQ refuses custom ids that are integers (they clash with its own)
        errors.append(("jobId", _("jobId cannot be a whole number (BullMQ numbers its own jobs).")))
    elif ":" in text:
        errors.append(("jobId", _("jobId cannot contain “:”.")))
    return text


def schema_for(backend: Any, queue: str) -> dict[str, Any] | None:
    """The JSON Schema of ``queue``'s data (``OPTIONS["job_schemas"]``), or None."""
    schemas = backend.options.get("job_schemas")
    found = schemas.get(queue) if isinstance(schemas, Mapping) else None
    return found if isinstance(found, dict) else None


def schema_errors(schema: dict[str, Any] | None, data: Any) -> list[tuple[str, Text]]:
    """Where ``data`` breaks ``schema`` (at most ten places), each with its JSON path."""
    if schema is None:
        return []
    import jsonschema

    validator = jsonschema.validators.validator_for(schema)(schema)
    found = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))[:10]
    return [(f"data{_path(e.absolute_path)}", str(e.message)[:300]) for e in found]


def _path(parts: Any) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def check_schemas(backend: Any) -> list[str]:
    """Problems of ``OPTIONS["job_schemas"]``, for the system checks."""
    schemas = backend.options.get("job_schemas")
    if schemas is None:
        return []
    if not isinstance(schemas, Mapping):
        return ["The 'job_schemas' option must map queue names to JSON Schemas."]
    try:
        import jsonschema
    except ImportError:
        return ["The 'job_schemas' option needs the 'jsonschema' package."]
    problems = []
    for queue, schema in schemas.items():
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except (jsonschema.SchemaError, TypeError, AttributeError) as exc:
            problems.append(f"job_schemas[{queue!r}] is no valid JSON Schema: {exc}"[:300])
    return problems


def parse_new_job(raw: Any, backend: Any, queue: str) -> NewJob:
    """``{"name", "data", "options"}`` checked against the backend and the queue's schema;
    ``InvalidJob`` with every problem found."""
    if not isinstance(raw, dict):
        raise InvalidJob([("", _("The request body must be a JSON object."))])
    errors: list[tuple[str, Text]] = []
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
        message = _("name must be text of 1 to {n} characters.")
        errors.append(("name", format_lazy(message, n=NAME_MAX)))
        name = ""
    data = raw.get("data")
    options, problems = parse_options(raw.get("options"), backend.add_job_options)
    errors += problems
    errors += backend.new_job_errors(NewJob(name.strip(), data, options))
    errors += schema_errors(schema_for(backend, queue), data)
    if errors:
        raise InvalidJob(errors)
    return NewJob(name.strip(), data, options)


def parse_data(data: Any, backend: Any, queue: str) -> Any:
    """New data for an existing job, checked as added data is."""
    errors = backend.data_errors(data) + schema_errors(schema_for(backend, queue), data)
    if errors:
        raise InvalidJob(errors)
    return data
