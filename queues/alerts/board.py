"""What the Alerts page and ``GET api/alerts`` show a user: every rule, its states for the
queues the user may see (firing first), and the newest events of those queues."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..backends import backends
from ..permissions import visible_queue_names
from .models import AlertEvent, AlertState
from .rules import AlertRule, configured_rules

#: Events shown at most, and states per rule.
EVENTS_SHOWN = 100
STATES_SHOWN = 200


@dataclass
class RuleView:
    rule: AlertRule
    states: list[AlertState] = field(default_factory=list)

    @property
    def firing(self) -> int:
        return sum(1 for s in self.states if s.firing)


@dataclass
class AlertsBoard:
    rules: list[RuleView]
    events: list[AlertEvent]


def _visible(user: Any, rows: list[Any]) -> list[Any]:
    by_alias: dict[str, set[str]] = {}
    for row in rows:
        by_alias.setdefault(row.backend, set()).add(row.queue)
    shown: set[tuple[str, str]] = set()
    for alias, names in by_alias.items():
        if alias in backends:
            shown |= {(alias, n) for n in visible_queue_names(user, backends[alias], names)}
    return [row for row in rows if (row.backend, row.queue) in shown]


def alerts_board(user: Any) -> AlertsBoard:
    """Synchronous (the ORM and the access rule): call through ``sync_to_async``."""
    rules = configured_rules()
    names = [r.name for r in rules]
    states = _visible(
        user,
        list(AlertState.objects.filter(rule__in=names).order_by("-firing", "backend", "queue")),
    )
    views = [RuleView(r, [s for s in states if s.rule == r.name][:STATES_SHOWN]) for r in rules]
    events = _visible(user, list(AlertEvent.objects.all()[: EVENTS_SHOWN * 4]))[:EVENTS_SHOWN]
    return AlertsBoard(views, events)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def board_to_dict(board: AlertsBoard) -> dict[str, Any]:
    return {
        "rules": [
            {
                **view.rule.to_dict(),
                "firing": view.firing,
                "states": [
                    {
                        "backend": s.backend,
                        "queue": s.queue,
                        "firing": s.firing,
                        "value": s.value,
                        "checked_at": _iso(s.checked_at),
                        "last_fired_at": _iso(s.last_fired_at),
                        "last_resolved_at": _iso(s.last_resolved_at),
                    }
                    for s in view.states
                ],
            }
            for view in board.rules
        ],
        "events": [
            {
                "rule": e.rule,
                "backend": e.backend,
                "queue": e.queue,
                "change": e.change,
                "value": e.value,
                "threshold": e.threshold,
                "at": _iso(e.created_at),
            }
            for e in board.events
        ],
    }
