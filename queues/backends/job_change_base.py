"""The part of the backend interface that adds jobs and changes them (``QueueBackend`` inherits
it): capability flags, the states each change applies to, and the methods a backend with the
flag implements."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from ..language import Text
from ..states import JobState
from .job_input import JobChange, NewJob
from .types import JobDetail


class JobChangesInterface:
    #: Jobs can be added (``add_job``); duplicating a job is adding one like it.
    supports_add_job: ClassVar[bool] = False
    #: The data of a job that has not started can be replaced (``edit_job_data``).
    supports_edit_job: ClassVar[bool] = False
    #: A delayed job can be given another time (``reschedule_job``).
    supports_reschedule: ClassVar[bool] = False
    #: A prioritized job's priority can be changed (``change_job_priority``).
    supports_change_priority: ClassVar[bool] = False
    #: A parent waiting for its children can lose those not yet processed
    #: (``remove_unprocessed_children``).
    supports_remove_children: ClassVar[bool] = False
    #: The options ``add_job`` accepts, under BullMQ's names (``job_input.ALL_OPTIONS``).
    add_job_options: ClassVar[frozenset[str]] = frozenset()
    #: The names of added jobs are import paths of tasks (the form says so).
    job_names_are_paths: ClassVar[bool] = False
    #: The data the add form starts from when the queue has no JSON Schema.
    new_job_data: ClassVar[Any] = {}
    #: The states each change applies to: said here once, obeyed by pages and backends.
    job_change_states: ClassVar[dict[JobChange, tuple[JobState, ...]]] = {}

    def change_applies(self, change: JobChange, state: JobState) -> bool:
        return state in self.job_change_states.get(change, ())

    def name_to_add(self, job: JobDetail) -> str:
        """The name under which a job like ``job`` is added (its duplicate's)."""
        return job.name

    def new_job_errors(self, job: NewJob) -> list[tuple[str, Text]]:
        """What this backend cannot add about ``job`` (its name, data), before it is sent."""
        return self.data_errors(job.data)

    def data_errors(self, data: Any) -> list[tuple[str, Text]]:
        """What this backend cannot store as a job's data."""
        return []

    async def add_job(self, queue: str, job: NewJob) -> JobDetail:
        """Add ``job`` to ``queue``; the job as stored. ``JobConflict`` when its id is taken."""
        raise NotImplementedError(f"{type(self).__name__} cannot add jobs.")

    async def edit_job_data(self, queue: str, job_id: str, data: Any) -> tuple[Any, JobState]:
        """Replace the data of a job in one of ``job_change_states[EDIT]``, atomically with
        the state check; (the data before, the job's state). ``JobConflict`` (with its state)
        when it started or moved meanwhile, ``JobNotFound`` when it is gone."""
        raise NotImplementedError(f"{type(self).__name__} cannot edit jobs.")

    async def reschedule_job(self, queue: str, job_id: str, run_at: datetime) -> datetime | None:
        """Give a delayed job another time; its time before. ``JobConflict`` unless delayed."""
        raise NotImplementedError(f"{type(self).__name__} cannot reschedule jobs.")

    async def change_job_priority(self, queue: str, job_id: str, priority: int) -> int:
        """Change a prioritized job's priority; its priority before."""
        raise NotImplementedError(f"{type(self).__name__} cannot change priorities.")

    async def remove_unprocessed_children(self, queue: str, job_id: str) -> int:
        """Remove the children a waiting parent still waits for (not active ones); how many
        of them it waited for before."""
        raise NotImplementedError(f"{type(self).__name__} cannot remove children.")


#: Capability names (``supports_<name>``) of this interface, for templates and the API.
JOB_CHANGE_CAPABILITIES = (
    "add_job",
    "edit_job",
    "reschedule",
    "change_priority",
    "remove_children",
)
