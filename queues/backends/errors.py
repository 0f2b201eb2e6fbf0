"""Errors a backend raises; views turn each into a clear page or JSON answer."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


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
        message = _("There is no queue {queue} in backend {backend}.")
        super().__init__(format_lazy(message, queue=repr(queue), backend=repr(backend)))
        self.backend = backend
        self.queue = queue


class JobNotFound(BackendError):
    status = 404
    code = "job_not_found"

    def __init__(self, queue: str, job_id: str) -> None:
        message = _("Job {job} was not found in queue {queue}; it may have been removed.")
        super().__init__(format_lazy(message, job=repr(job_id), queue=repr(queue)))
        self.queue = queue
        self.job_id = job_id
