"""Errors of actions, shaped like backend errors so pages and the API answer them alike."""

from __future__ import annotations

from ..backends.errors import BackendError
from ..language import Text
from ..states import JobState


class ActionRefused(BackendError):
    status = 403
    code = "forbidden"


class JobConflict(BackendError):
    """The job is not in a state the action applies to (it moved on, or it is running)."""

    status = 409
    code = "conflict"

    def __init__(
        self, message: Text, state: JobState | None = None, details: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.state = state
        #: More for the API's error body (the schedule whose next run the job is).
        self.details = details or {}


class RunNotFound(BackendError):
    status = 404
    code = "run_not_found"
