"""Hysteresis over the stored state: a rule fires for a queue once its value reaches ``above``
and resolves once it falls below ``resolve_below``; in between nothing changes. One
transaction per evaluation reads the states of the rules measured and writes the changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .measure import Measure
from .models import AlertEvent, AlertState
from .rules import AlertRule

#: Events kept at most (older ones are deleted as new ones are written).
MAX_EVENTS = 10_000


@dataclass(frozen=True)
class Transition:
    """An alert that fired or resolved at this evaluation."""

    rule: AlertRule
    backend: str
    queue: str
    fired: bool
    value: float
    at: datetime

    @property
    def change(self) -> str:
        return AlertEvent.Change.FIRED if self.fired else AlertEvent.Change.RESOLVED

    @property
    def threshold(self) -> float:
        return self.rule.above if self.fired else self.rule.resolve_below

    def to_dict(self) -> dict[str, object]:
        return {
            "event": str(self.change),
            "rule": self.rule.to_dict(),
            "backend": self.backend,
            "queue": self.queue,
            "value": self.value,
            "threshold": self.threshold,
            "at": self.at.isoformat(),
        }


def _next(state: AlertState, measure: Measure) -> bool | None:
    """True: fires now; False: resolves now; None: stays as it is."""
    rule = measure.rule
    if not state.firing and measure.value >= rule.above:
        return True
    if state.firing and measure.value < rule.resolve_below:
        return False
    return None


def apply(measures: Sequence[Measure]) -> list[Transition]:
    """Store the values measured; the alerts that fired or resolved."""
    if not measures:
        return []
    now = timezone.now()
    names = {m.rule.name for m in measures}
    transitions: list[Transition] = []
    with transaction.atomic():
        states = {
            (s.rule, s.backend, s.queue): s
            for s in AlertState.objects.select_for_update().filter(rule__in=names)
        }
        created: list[AlertState] = []
        changed: list[AlertState] = []
        for measure in measures:
            key = (measure.rule.name, measure.backend, measure.queue)
            state = states.get(key)
            if state is None:
                state = AlertState(rule=key[0], backend=key[1], queue=key[2])
                states[key] = state
                created.append(state)
            else:
                changed.append(state)
            state.value, state.checked_at = measure.value, now
            fires = _next(state, measure)
            if fires is None:
                continue
            state.firing = fires
            if fires:
                state.last_fired_at = now
            else:
                state.last_resolved_at = now
            transitions.append(
                Transition(measure.rule, measure.backend, measure.queue, fires, measure.value, now)
            )
        fields = ["firing", "value", "checked_at", "last_fired_at", "last_resolved_at"]
        if changed:
            AlertState.objects.bulk_update(changed, fields)
        if created:
            AlertState.objects.bulk_create(created)
        if transitions:
            AlertEvent.objects.bulk_create(
                AlertEvent(rule=t.rule.name, backend=t.backend, queue=t.queue, change=t.change,
                           value=t.value, threshold=t.threshold)
                for t in transitions
            )  # fmt: skip
            _trim()
    return transitions


def _trim() -> None:
    edge = AlertEvent.objects.order_by("-id").values_list("id", flat=True)[
        MAX_EVENTS : MAX_EVENTS + 1
    ]
    if edge:
        AlertEvent.objects.filter(id__lte=edge[0]).delete()
