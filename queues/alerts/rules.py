"""The alert rules of ``QUEUEBOARD["ALERTS"]``: parsed once, with a clear error for each bad one.

A rule is a mapping::

    {"name": "payments-failing", "kind": "failure_rate", "backend": "bullmq",
     "queue": "payments", "above": 0.2, "resolve_below": 0.05, "window": 600}

``backend`` and ``queue`` are optional (every backend, every queue). A rule fires for a queue
when its value reaches ``above`` and resolves once the value falls below ``resolve_below``
(default: half of ``above``): a value hovering about the threshold fires once, not on every
evaluation. ``email`` (a list of addresses) and ``webhook`` (False to leave it out) choose the
deliveries beside the signal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Kind(StrEnum):
    FAILURE_RATE = "failure_rate"
    FAILED = "failed"
    WAITING = "waiting"
    OLDEST_WAITING = "oldest_waiting"
    NO_WORKERS = "no_workers"
    HEALTH = "health"

    @property
    def label(self) -> Promise:
        return {
            Kind.FAILURE_RATE: _("Failure rate"),
            Kind.FAILED: _("Failed jobs"),
            Kind.WAITING: _("Waiting jobs"),
            Kind.OLDEST_WAITING: _("Oldest waiting job (seconds)"),
            Kind.NO_WORKERS: _("No workers while jobs wait"),
            Kind.HEALTH: _("Health finding"),
        }[self]

    @property
    def reads_health(self) -> bool:
        return self in (Kind.OLDEST_WAITING, Kind.HEALTH)


#: Kinds whose value is yes (1) or no (0): no threshold to set.
BINARY = frozenset({Kind.NO_WORKERS, Kind.HEALTH})
#: The health findings a rule may name (``queues.health.evaluate``).
FINDINGS = frozenset(
    {"eviction", "stalled", "no-workers", "old-waiting", "rate-limited", "no-retries",
     "no-backoff", "failed-kept", "completed-kept", "large-payloads"}
)  # fmt: skip
KEYS = frozenset(
    {"name", "kind", "backend", "queue", "above", "resolve_below", "window", "min_jobs",
     "finding", "email", "webhook"}
)  # fmt: skip
#: The failure rate's window: at least a minute, at most the day the minute rollups keep.
WINDOW_RANGE = (60, 86_400)


@dataclass(frozen=True)
class AlertRule:
    name: str
    kind: Kind
    above: float
    resolve_below: float
    backend: str | None = None
    queue: str | None = None
    #: Seconds of history the failure rate is taken over, and the finished jobs it needs.
    window: int = 300
    min_jobs: int = 10
    #: The health finding watched (``health`` rules).
    finding: str | None = None
    #: Addresses e-mailed beside ``ALERT_EMAILS``; whether the webhook is told.
    email: tuple[str, ...] = ()
    webhook: bool = True

    def applies_to(self, alias: str, queue: str) -> bool:
        return (self.backend in (None, alias)) and (self.queue in (None, queue))

    @property
    def window_minutes(self) -> int:
        return self.window // 60

    @property
    def scope(self) -> str:
        return f"{self.backend or '*'}:{self.queue or '*'}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": str(self.kind),
            "backend": self.backend,
            "queue": self.queue,
            "above": self.above,
            "resolve_below": self.resolve_below,
            "window": self.window if self.kind == Kind.FAILURE_RATE else None,
            "finding": self.finding,
        }


class RuleError(ValueError):
    pass


def _number(raw: Mapping[str, Any], key: str, where: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise RuleError(f"{where}: {key!r} must be a number, not {value!r}.")
    return float(value)


def _text(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise RuleError(f"{where}: {key!r} must be a non-empty text or left out, not {value!r}.")
    return value


def parse_rule(raw: Any, index: int) -> AlertRule:
    where = f"QUEUEBOARD['ALERTS'][{index}]"
    if not isinstance(raw, Mapping):
        raise RuleError(f"{where} must be a dict, not {type(raw).__name__}.")
    unknown = set(raw) - KEYS
    if unknown:
        raise RuleError(f"{where}: unknown keys {', '.join(sorted(map(str, unknown)))}.")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise RuleError(f"{where}: 'name' must be a text of 1 to 100 characters, not {name!r}.")
    where = f"{where} ({name!r})"
    try:
        kind = Kind(str(raw.get("kind")))
    except ValueError:
        kinds = ", ".join(k.value for k in Kind)
        raise RuleError(
            f"{where}: 'kind' must be one of {kinds}, not {raw.get('kind')!r}."
        ) from None
    above = _number(raw, "above", where)
    if kind in BINARY:
        above = 1.0 if above is None else above
        if above != 1.0:
            raise RuleError(f"{where}: a {kind} rule takes no 'above' (it fires on yes).")
    if above is None:
        raise RuleError(f"{where}: 'above' (the value that fires the alert) is required.")
    if above <= 0 or (kind == Kind.FAILURE_RATE and above > 1):
        limit = (
            "between 0 and 1 (a fraction of the jobs finished)"
            if kind == Kind.FAILURE_RATE
            else "above 0"
        )
        raise RuleError(f"{where}: 'above' must be {limit}, not {above:g}.")
    resolve = _number(raw, "resolve_below", where)
    resolve = above / 2 if resolve is None else resolve
    if kind in BINARY:
        resolve = 1.0
    if not 0 <= resolve <= above:
        raise RuleError(
            f"{where}: 'resolve_below' must be between 0 and 'above' ({above:g}), not {resolve:g}."
        )
    window = _number(raw, "window", where)
    low, high = WINDOW_RANGE
    if window is not None and not low <= window <= high:
        raise RuleError(f"{where}: 'window' must be {low} to {high} seconds, not {window:g}.")
    min_jobs = _number(raw, "min_jobs", where)
    if min_jobs is not None and (min_jobs < 1 or min_jobs != int(min_jobs)):
        raise RuleError(f"{where}: 'min_jobs' must be a whole number of at least 1.")
    finding = _text(raw, "finding", where)
    if kind == Kind.HEALTH and finding not in FINDINGS:
        codes = ", ".join(sorted(FINDINGS))
        raise RuleError(f"{where}: 'finding' must be one of {codes}, not {finding!r}.")
    if kind != Kind.HEALTH and finding is not None:
        raise RuleError(f"{where}: 'finding' belongs to health rules only.")
    email = raw.get("email", ())
    if (
        isinstance(email, str)
        or not isinstance(email, Sequence)
        or not all(isinstance(a, str) and "@" in a for a in email)
    ):
        raise RuleError(f"{where}: 'email' must be a list of e-mail addresses, not {email!r}.")
    webhook = raw.get("webhook", True)
    if not isinstance(webhook, bool):
        raise RuleError(f"{where}: 'webhook' must be True or False, not {webhook!r}.")
    return AlertRule(
        name=name,
        kind=kind,
        above=above,
        resolve_below=resolve,
        backend=_text(raw, "backend", where),
        queue=_text(raw, "queue", where),
        window=int(window or 300),
        min_jobs=int(min_jobs or 10),
        finding=finding,
        email=tuple(email),
        webhook=webhook,
    )


def parse_rules(raw: Any) -> tuple[list[AlertRule], list[str]]:
    """The valid rules of ``raw`` and an error for each bad one (and each repeated name)."""
    if raw is None:
        return [], []
    if isinstance(raw, str | bytes | Mapping) or not isinstance(raw, Sequence):
        return [], [f"QUEUEBOARD['ALERTS'] must be a list of rules, not {type(raw).__name__}."]
    rules: list[AlertRule] = []
    errors: list[str] = []
    for index, item in enumerate(raw):
        try:
            rule = parse_rule(item, index)
        except RuleError as exc:
            errors.append(str(exc))
            continue
        if any(r.name == rule.name for r in rules):
            errors.append(f"QUEUEBOARD['ALERTS'][{index}]: the name {rule.name!r} is used twice.")
            continue
        rules.append(rule)
    return rules, errors


def configured_rules() -> list[AlertRule]:
    """The valid rules of the settings (bad ones are reported by ``manage.py check``)."""
    from ..conf import setting

    return parse_rules(setting("ALERTS"))[0]
