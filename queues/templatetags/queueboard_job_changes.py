"""Which of the job changes (``backends.job_input.JobChange``) apply to a job in its state,
as the backend says (``job_change_states``), for the job page's buttons."""

from __future__ import annotations

from typing import Any

from django import template

from ..backends.job_input import JobChange

register = template.Library()

#: The name each change has in ``allowed`` (``actions.job_changes.ChangeAction``).
_ALLOWED_NAME = {
    JobChange.EDIT: "edit-data",
    JobChange.RESCHEDULE: "reschedule",
    JobChange.PRIORITY: "change-priority",
    JobChange.REMOVE_CHILDREN: "remove-children",
}


@register.filter
def applicable_changes(job: Any, backend: Any) -> set[str]:
    """The changes that apply to ``job`` now, by their names in ``allowed``."""
    applies = getattr(backend, "change_applies", None)
    if applies is None:
        return set()
    return {name for change, name in _ALLOWED_NAME.items() if applies(change, job.state)}
