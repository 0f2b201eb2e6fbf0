"""Masking the values of secret-looking keys in what jobs carry, before it leaves the board.

``QUEUEBOARD["REDACT_KEYS"]`` lists key patterns. A key matches a pattern when the pattern is
part of it, compared without case and without ``_``, ``-``, ``.`` or spaces: ``api_key``
matches ``API_KEY``, ``apiKey`` and ``x-api-key``; ``token`` matches ``accessToken``. The value
of a matching key, at any depth of JSON data (a nested object or list included), becomes
``MASK``. Text that is not JSON (log lines, failure reasons, values too large to parse, string
values inside JSON) is masked where it has a ``key=value``, ``key: value`` or
``"key": "value"`` shape of a matching key.

Users with the ``queues.view_unredacted`` permission see values as stored. Backends always
return raw values; the views, the API, downloads and live pushes call ``redact_job`` (or
``Redactor``) at the point where a job leaves the server. Pickled values are never decoded,
so never masked: the board shows only a note for them.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from .backends.types import JobDetail, JobSummary, Payload
from .conf import setting
from .permissions import on_loop_if_no_io

if TYPE_CHECKING:
    from .failure_groups import FailureGroup

#: What a masked value reads as (the add and edit forms refuse it unchanged).
MASK = "[redacted]"
PERMISSION = "queues.view_unredacted"
DEFAULT_KEYS = ("password", "passwd", "secret", "token", "authorization", "api_key", "apikey")

Job = TypeVar("Job", bound=JobSummary)
D = TypeVar("D")

_STRIP = re.compile(r"[\s_.\-]+")
# A key (bare or quoted), ``=`` or ``:``, then a quoted value or a bare word (an HTTP
# authorization scheme such as "Bearer" takes the word after it along).
_PAIR = re.compile(
    r"""(?P<q>["']?)(?P<key>[A-Za-z0-9_.\-]{1,100})(?P=q)(?P<sep>\s*[:=]\s*)"""
    r"""(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|"""
    r"""(?:(?:Bearer|Basic|Token|Digest)\s+)?[^\s,;&"'}\]\)]+)""",
    re.IGNORECASE,
)


def _normal(key: str) -> str:
    return _STRIP.sub("", key).lower()


@cache
def _patterns(keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p for p in (_normal(k) for k in keys) if p)


def patterns() -> tuple[str, ...]:
    keys = setting("REDACT_KEYS")
    return _patterns(tuple(keys) if isinstance(keys, list | tuple) else ())


def is_secret_key(key: str, keys: tuple[str, ...] | None = None) -> bool:
    normal = _normal(key)
    return any(p in normal for p in (patterns() if keys is None else keys))


class Redactor:
    """Masks values for one set of patterns (the setting's, by default)."""

    def __init__(self, keys: Iterable[str] | None = None) -> None:
        self.keys = patterns() if keys is None else _patterns(tuple(keys))

    def _secret(self, key: str) -> bool:
        return is_secret_key(key, self.keys)

    def text(self, text: str) -> str:
        """``text`` with the values of its ``key=value`` shapes of secret keys masked."""
        if not self.keys or not text:
            return text

        def mask(match: re.Match[str]) -> str:
            if not self._secret(match["key"]):
                return match[0]
            value = match["value"]
            quote = value[0] if value[:1] in ("'", '"') else ""
            return f"{match['q']}{match['key']}{match['q']}{match['sep']}{quote}{MASK}{quote}"

        return _PAIR.sub(mask, text)

    def value(self, value: Any) -> Any:
        """A decoded JSON value with the values of secret keys masked, at any depth."""
        if not self.keys:
            return value
        if isinstance(value, dict):
            return {
                key: MASK if self._secret(str(key)) else self.value(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def payload(self, payload: Payload) -> Payload:
        """The payload masked (its stored size kept); pickles and empty values as they are."""
        if not self.keys or payload.opaque or payload.is_empty:
            return payload
        if payload.is_json:
            masked = self.value(payload.value)
            if masked == payload.value:
                return payload
            text = json.dumps(masked, ensure_ascii=False)
            return Payload(text=text, size=payload.size, utf8=payload.utf8, value=masked)
        text = self.text(payload.text)
        if text == payload.text:
            return payload
        return Payload(text=text, size=payload.size, utf8=payload.utf8)

    def job(self, job: Job) -> Job:
        """``job`` with its data, progress, failure reason and, for a detail, options, return
        value, logs, stack trace and backend facts masked."""
        if not self.keys:
            return job
        changes: dict[str, Any] = {
            "data": self.payload(job.data),
            "progress": self.payload(job.progress),
            "failed_reason": self.text(job.failed_reason) if job.failed_reason else None,
        }
        if isinstance(job, JobDetail):
            changes |= {
                "options": self.payload(job.options),
                "named_options": self.payload(job.named_options) if job.named_options else None,
                "return_value": self.payload(job.return_value),
                "logs": tuple(self.text(line) for line in job.logs),
                "stacktrace": tuple(self.text(line) for line in job.stacktrace),
                "extra": tuple((label, self.text(value)) for label, value in job.extra),
            }
        return dataclasses.replace(job, **changes)

    def holds(self, job: JobSummary, text: str) -> bool:
        """Whether a job a backend's search found for ``text`` may be shown as found to a user
        shown masked values: False when the text is in its data or failure reason as stored
        but neither in their masked values nor in its id or name (found only by a secret).
        Backends search more (a task's whole path): a match outside these is kept."""
        wanted = text.lower()
        masked = self.job(job)

        def found(*fields: str) -> bool:
            return any(wanted in field.lower() for field in fields)

        def values(one: JobSummary) -> list[str]:
            shown = [one.data.text, one.failed_reason or ""]
            if one.data.is_json:  # the stored text's spelling too (escapes, spacing)
                shown.append(json.dumps(one.data.value))
            return shown

        if not found(*values(job)) or found(job.id, job.name):
            return True
        return found(*values(masked))


def sees_unredacted(user: Any) -> bool:
    """Whether ``user`` sees values as stored (sync: may read the user's permissions)."""
    return bool(user.is_active and user.has_perm(PERMISSION))


def redactor_for(user: Any) -> Redactor | None:
    """The redactor for what ``user`` is shown, or None when they see values as stored
    (or no patterns are set). Sync: call it through ``sync_to_async`` from async code."""
    if not patterns() or sees_unredacted(user):
        return None
    return Redactor()


async def aredactor_for(user: Any) -> Redactor | None:
    """``redactor_for``, in a thread only when the permission check may read the database."""
    if not patterns():
        return None
    return await on_loop_if_no_io(user, lambda: redactor_for(user), reads_permissions=True)


def redact_job(redactor: Redactor | None, job: Job) -> Job:
    return redactor.job(job) if redactor else job


def redact_jobs(redactor: Redactor | None, jobs: Iterable[Job]) -> list[Job]:
    return [redactor.job(job) for job in jobs] if redactor else list(jobs)


def shared() -> Redactor:
    """For output shared by every viewer (live pushes): always masked."""
    return Redactor()


def holds_mask(value: Any) -> bool:
    """Whether a decoded JSON value still holds ``MASK`` somewhere (a key or a text)."""
    if isinstance(value, str):
        return MASK in value
    if isinstance(value, dict):
        return any(holds_mask(k) or holds_mask(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_mask(item) for item in value)
    return False


def refuse_masked(redactor: Redactor | None, **values: Any) -> None:
    """For a user shown masked values (``redactor``): ``InvalidJob`` when a value sent to add
    or edit a job still holds ``MASK`` (prefilled from a masked job and left unchanged), so
    that nobody can duplicate or edit a job into revealing, or losing, its secrets."""
    if redactor is None:
        return
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy as _

    from .backends.job_input import InvalidJob
    from .language import Text

    message = _(
        "{field} still holds masked values ({mask}); type the real values in their place "
        "(masked values are never sent)."
    )
    errors: list[tuple[str, Text]] = [
        (field, format_lazy(message, field=field, mask=MASK))
        for field, value in values.items()
        if holds_mask(value)
    ]
    if errors:
        raise InvalidJob(errors)


def redact_groups(redactor: Redactor | None, groups: Iterable[FailureGroup]) -> list[FailureGroup]:
    """Failure groups with their cause and frame masked (their keys stay those of the raw
    reasons, so actions on a group still find its jobs)."""
    if redactor is None:
        return list(groups)
    return [
        dataclasses.replace(
            group, cause=redactor.text(group.cause), frame=redactor.text(group.frame)
        )
        for group in groups
    ]


def redact_audit(redactor: Redactor | None, entries: Iterable[Any]) -> None:
    """Audit entries' parameters (a job's data before and after an edit, a schedule's
    template) masked in place, for showing only: the entries are never saved from here."""
    if redactor is None:
        return
    for entry in entries:
        entry.params = redactor.value(entry.params)


def _stored_text(redactor: Redactor, text: str | None) -> str | None:
    if not text:
        return text
    return redactor.payload(Payload.from_stored(text, parse_limit=1024 * 1024)).text


def redact_schedule_detail(redactor: Redactor | None, detail: D) -> D:
    """A schedule in full with its template's data and options masked."""
    if redactor is None:
        return detail
    schedule = detail.schedule  # type: ignore[attr-defined]
    masked = dataclasses.replace(
        schedule,
        template_data=_stored_text(redactor, schedule.template_data),
        template_opts=_stored_text(redactor, schedule.template_opts),
    )
    return dataclasses.replace(detail, schedule=masked)  # type: ignore[type-var]
