"""Errors a backend raises; views turn each into a clear page or JSON answer."""

from __future__ import annotations


class BackendError(Exception):
    """Base class of every error a backend raises on purpose."""

    status = 500
    code = "backend_error"


class BackendUnavailable(BackendError):
    """The server behind a backend (Redis, the database) did not answer."""

    status = 503
    code = "backend_unavailable"


class BackendFull(BackendError):
    """The server refuses writes because it is out of memory (Redis ``maxmemory``)."""

    status = 503
    code = "backend_full"


class WorkersUnavailable(BackendError):
    """The server refused to list its connections (``CLIENT LIST`` denied by an ACL or renamed
    away, as some hosted Redis services do): the queue's workers cannot be shown."""

    status = 503
    code = "workers_unavailable"


class QueueNotFound(BackendError):
    status = 404
    code = "queue_not_found"

    def __init__(self, backend: str, queue: str) -> None:
        super().__init__(f"There is no queue {queue!r} in backend {backend!r}.")
        self.backend = backend
        self.queue = queue


class JobNotFound(BackendError):
    status = 404
    code = "job_not_found"

    def __init__(self, queue: str, job_id: str) -> None:
        super().__init__(
            f"Job {job_id!r} was not found in queue {queue!r}; it may have been removed."
        )
        self.queue = queue
        self.job_id = job_id
