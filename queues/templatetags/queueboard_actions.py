"""``{% job_buttons %}`` and ``{% queue_buttons %}``: the action buttons, computed in Python.

Which action applies in which state is the backend's (``backends/applicability.py``); these
tags hand the templates the list to lay out (``queues/action_buttons.py``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import template

from .. import action_buttons
from ..backends.base import QueueBackend
from ..backends.types import QueueSummary
from ..states import JobState

register = template.Library()


@register.simple_tag
def job_buttons(
    backend: QueueBackend, job: Any, allowed: Collection[str] | None
) -> action_buttons.JobButtons:
    """``{% job_buttons backend job allowed as buttons %}``: ``buttons.first`` and ``.last``."""
    return action_buttons.job_buttons(backend, job, allowed or ())


@register.simple_tag
def queue_buttons(
    backend: QueueBackend,
    queue: QueueSummary,
    state: JobState | None,
    allowed: Collection[str] | None,
) -> list[action_buttons.QueueButton]:
    """``{% queue_buttons backend queue state allowed as buttons %}``."""
    return action_buttons.queue_buttons(backend, queue, state or None, allowed or ())
