"""The audit log's words and colours: an action's label, an outcome's colour class."""

from __future__ import annotations

from datetime import UTC, datetime

from django import template

from ..actions.audit_choices import OUTCOME_CLASSES, action_label

register = template.Library()


@register.filter
def audit_action(action: str) -> str:
    """``retry-all`` -> ``Retry all``; an unknown (older) action as it is."""
    return action_label(action)


@register.filter
def outcome_class(outcome: str) -> str:
    """The state-colour class of an outcome's label (a skip is grey, an error red)."""
    return OUTCOME_CLASSES.get(outcome, "")


@register.filter
def iso_utc(moment: datetime) -> str:
    """``2026-12-01T18:25:56.997Z``: the ``datetime`` of a ``<time>`` that ``time.js`` shows in
    the viewer's zone (the text beside it is in the board's ``TIME_ZONE``, with its name)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
