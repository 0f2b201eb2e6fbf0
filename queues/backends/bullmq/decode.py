"""Job hashes (raw bytes) turned into ``JobSummary`` / ``JobDetail``; never raises.

Whatever is wrong with a hash (bytes that are not UTF-8, data that is not JSON, a missing
field, a timestamp that is not a number) is described in ``problems`` and the rest is shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext_noop

from ...states import JobState
from .. import untrusted
from ..types import JobDetail, JobRef, JobSummary, Payload
from .keys import DELAY_FACTOR, PRIORITY_FACTOR
from .options import api_options, renames_any

#: Fields every job hash written by BullMQ carries.
REQUIRED_FIELDS = ("name", "data", "opts", "timestamp")
#: Backend-specific facts shown on the job page: (hash field, label).
#: Facts shown as "label: value" (labels in English, as the API gives them; the job page
#: translates them).
EXTRA_FIELDS = (
    ("rjk", gettext_noop("Job scheduler")),
    ("deid", gettext_noop("Deduplication id")),
    ("defa", gettext_noop("Deferred failure")),
    ("stc", gettext_noop("Stalled count")),
)

Raw = Mapping[str, bytes | None]

#: The queue's own keys (bullmq's ``QueueKeys``, plus ``metrics``): ``<prefix>:<queue>:meta`` is
#: the queue's settings, not job ``meta``.
QUEUE_KEY_NAMES = frozenset(
    {
        "", "active", "wait", "waiting-children", "paused", "id", "delayed", "prioritized",
        "stalled-check", "completed", "failed", "stalled", "repeat", "limiter", "meta", "events",
        "pc", "marker", "de", "metrics", "drained",
    }
)  # fmt: skip
#: Keys kept under the queue's: schedulers (``repeat:<id>``), deduplication, metrics.
QUEUE_KEY_PREFIXES = ("repeat:", "de:", "metrics:")
#: Keys kept beside each job: ``<id>:logs``, a flow parent's children's results, ...
JOB_PART_SUFFIXES = (":logs", ":lock", ":dependencies", ":processed", ":failed", ":unsuccessful")


def names_a_queue_key(job_id: str) -> bool:
    """Whether ``<prefix>:<queue>:<job_id>`` is (also) one of the queue's own keys."""
    return (
        job_id in QUEUE_KEY_NAMES
        or job_id.startswith(QUEUE_KEY_PREFIXES)
        or job_id.endswith(JOB_PART_SUFFIXES)
    )


def is_job_hash(fields: Mapping[str, object]) -> bool:
    """A hash BullMQ wrote for a job: it has a ``timestamp`` and a ``name`` or ``data``."""
    return fields.get("timestamp") is not None and (
        fields.get("name") is not None or fields.get("data") is not None
    )


def is_queue_record(job_id: str, fields: Mapping[str, object]) -> bool:
    """Whether the hash read for ``job_id`` is one of the queue's own records, not a job.

    Only ids naming a queue key must carry a job hash; any other id shows what is stored, a
    damaged job with its problems listed.
    """
    return names_a_queue_key(job_id) and not is_job_hash(fields)


def text(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return value.decode("utf-8", "replace")


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_prefix(raw: bytes) -> tuple[str, bool]:
    """Decode bytes that may be cut in the middle of a character; returns (text, utf8)."""
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(raw):
            return raw[: exc.start].decode("utf-8", "replace"), True
        return raw.decode("utf-8", "replace"), False


class JobDecoder:
    """Decodes one job hash, collecting what is wrong with it in ``problems``."""

    def __init__(
        self,
        backend: str,
        queue: str,
        job_id: str,
        fields: Raw,
        *,
        sizes: Mapping[str, int | None] | None = None,
        parse_limit: int | None = None,
    ) -> None:
        self.backend = backend
        self.queue = queue
        self.job_id = job_id
        self.fields = fields
        self.sizes = sizes or {}
        self.parse_limit = parse_limit
        self.problems: list[str] = []
        self._options: Payload | None = None
        for name in REQUIRED_FIELDS:
            if fields.get(name) is None:
                self.problems.append(f"The job hash has no {name!r} field.")
        for name, value in fields.items():
            if value is None or name in ("data", "opts", "progress", "returnvalue"):
                continue  # payloads are checked when decoded
            utf8 = decode_prefix(value)[1] if self.is_cut(name) else _is_utf8(value)
            if not utf8:
                self.problems.append(f"The {name!r} field is not valid UTF-8.")

    def is_cut(self, name: str) -> bool:
        """Whether the page script returned only the start of this field."""
        size, raw = self.sizes.get(name), self.fields.get(name)
        return size is not None and raw is not None and size > len(raw)

    # -- primitive fields ------------------------------------------------------------------------

    def payload(self, name: str) -> Payload:
        raw = self.fields.get(name)
        if raw is None:
            return Payload(text="", size=0)
        if self.is_cut(name):  # a preview: the page script returned its start
            preview, utf8 = decode_prefix(raw)
            if not utf8:
                self.problems.append(f"The {name!r} field is not valid UTF-8.")
            return Payload(text=preview, size=int(self.sizes[name] or 0), utf8=utf8)
        value = Payload.from_stored(raw, parse_limit=self.parse_limit)
        if not value.utf8:
            self.problems.append(f"The {name!r} field is not valid UTF-8.")
        elif not value.is_json and (self.parse_limit is None or value.size <= self.parse_limit):
            self.problems.append(f"The {name!r} field is not valid JSON.")
        return value

    def string(self, name: str) -> str | None:
        raw = self.fields.get(name)
        if raw is not None and self.is_cut(name):
            return decode_prefix(raw)[0] + "\u2026"
        return text(raw)

    def number(self, name: str) -> float | None:
        raw = self.string(name)
        if raw is None or raw == "":
            return None
        try:
            number = float(raw)
        except ValueError:
            self.problems.append(f"The {name!r} field is not a number: {raw[:40]!r}.")
            return None
        if number != number or number in (float("inf"), float("-inf")):
            self.problems.append(f"The {name!r} field is not a finite number.")
            return None
        return number

    def integer(self, name: str) -> int | None:
        number = self.number(name)
        return None if number is None else int(number)

    def moment(self, name: str) -> datetime | None:
        return self.ms_to_datetime(self.number(name), name)

    def ms_to_datetime(self, ms: float | None, name: str) -> datetime | None:
        if ms is None:
            return None
        try:
            return datetime.fromtimestamp(ms / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            self.problems.append(f"The {name!r} field is not a valid time: {ms!r}.")
            return None

    # -- derived values --------------------------------------------------------------------------

    def options(self) -> Payload:
        if self._options is None:
            self._options = self.payload("opts")
        return self._options

    def attempts_allowed(self, options: Payload) -> int:
        value = options.value if options.is_json else None
        attempts = value.get("attempts") if isinstance(value, dict) else None
        if isinstance(attempts, bool) or not isinstance(attempts, int | float):
            return 1
        return max(int(attempts), 1)

    def named_options(self, options: Payload) -> Payload | None:
        """``options`` under BullMQ's API names, when some are stored short."""
        value = options.value if options.is_json else None
        if not isinstance(value, dict) or not renames_any(value):
            return None
        return Payload.from_value(api_options(value))

    def attempts_started(self) -> int | None:
        return self.integer("ats") if self.fields.get("ats") is not None else None

    def attempts_made(self) -> int:
        name = "atm" if self.fields.get("atm") is not None else "attemptsMade"
        return self.integer(name) or 0

    def failed_reason(self) -> str | None:
        reason = self.string("failedReason")
        if reason and len(reason) >= 2 and reason[0] == reason[-1] == '"':
            try:  # older Python workers stored the reason JSON-quoted
                unquoted = untrusted.loads(reason)
            except ValueError:
                return reason
            if isinstance(unquoted, str):
                return unquoted
        return reason or None

    def priority(self, score: float | None, state: JobState) -> int | None:
        if state is JobState.PRIORITIZED and score is not None:
            return int(score // PRIORITY_FACTOR) or None
        return self.integer("priority") or None

    def due_at(self, score: float | None, state: JobState) -> datetime | None:
        if state is not JobState.DELAYED:
            return None
        if score is not None:
            return self.ms_to_datetime(score // DELAY_FACTOR, "delayed score")
        created, delay = self.number("timestamp"), self.number("delay")
        if created is None:
            return None
        return self.ms_to_datetime(created + (delay or 0), "timestamp")

    def stacktrace(self) -> tuple[str, ...]:
        raw = self.string("stacktrace")
        if not raw:
            return ()
        try:
            value = untrusted.loads(raw)
        except ValueError:
            self.problems.append("The 'stacktrace' field is not valid JSON; shown as text.")
            return (raw,)
        if isinstance(value, list):
            return tuple(item if isinstance(item, str) else json.dumps(item) for item in value)
        return (value if isinstance(value, str) else json.dumps(value),)

    def parent(self, prefix: str, known: Iterable[str]) -> JobRef | None:
        from .keys import split_job_key

        raw = self.string("parent")
        if raw:
            try:
                value = untrusted.loads(raw)
            except ValueError:
                self.problems.append("The 'parent' field is not valid JSON.")
                value = None
            if isinstance(value, dict) and value.get("id") is not None:
                queue_key = str(value.get("queueKey") or "")
                head = prefix + ":"
                queue = queue_key[len(head) :] if queue_key.startswith(head) else queue_key
                return JobRef(self.backend, queue, str(value["id"]))
        parent_key = self.string("parentKey")
        if parent_key:
            parts = split_job_key(parent_key, prefix, known)
            if parts:
                return JobRef(self.backend, parts[0], parts[1])
            self.problems.append(f"The 'parentKey' field is not a job key: {parent_key[:80]!r}.")
        return None

    def extra(self) -> tuple[tuple[str, str], ...]:
        facts = []
        for name, label in EXTRA_FIELDS:
            value = self.string(name)
            if value:
                facts.append((label, value))
        return tuple(facts)

    # -- results ---------------------------------------------------------------------------------

    def summary_fields(self, state: JobState, score: float | None) -> dict[str, Any]:
        options = self.options()
        return {
            "backend": self.backend,
            "queue": self.queue,
            "id": self.job_id,
            "state": state,
            "name": self.string("name") or "",
            "data": self.payload("data"),
            "progress": self.payload("progress"),
            "attempts_made": self.attempts_made(),
            "attempts_allowed": self.attempts_allowed(options),
            "attempts_started": self.attempts_started(),
            "created_at": self.moment("timestamp"),
            "processed_at": self.moment("processedOn"),
            "finished_at": self.moment("finishedOn"),
            "due_at": self.due_at(score, state),
            "priority": self.priority(score, state),
            "failed_reason": self.failed_reason(),
        }

    def summary(self, state: JobState, score: float | None = None) -> JobSummary:
        fields = self.summary_fields(state, score)
        return JobSummary(**fields, problems=self.unique_problems())

    def detail(
        self,
        state: JobState,
        score: float | None,
        *,
        prefix: str,
        known_queues: Iterable[str],
        logs: tuple[str, ...],
        log_count: int,
        children: tuple[JobRef, ...],
        extra_problems: Iterable[str] = (),
    ) -> JobDetail:
        fields = self.summary_fields(state, score)
        options = self.options()
        detail_fields: dict[str, Any] = {
            "options": options,
            "named_options": self.named_options(options),
            "return_value": self.payload("returnvalue"),
            "stacktrace": self.stacktrace(),
            "logs": logs,
            "log_count": log_count,
            "worker": self.string("pb") or None,
            "parent": self.parent(prefix, known_queues),
            "children": children,
            "extra": self.extra(),
        }
        self.problems.extend(extra_problems)
        return JobDetail(**fields, **detail_fields, problems=self.unique_problems())

    def unique_problems(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.problems))


def infer_state(fields: Raw) -> JobState:
    """A best guess for a job found in no state key, from its own fields."""
    if fields.get("finishedOn") is not None:
        return JobState.FAILED if fields.get("failedReason") is not None else JobState.COMPLETED
    if fields.get("processedOn") is not None:
        return JobState.ACTIVE
    return JobState.WAITING
