"""The Django Tasks backend: results stored by django-tasks-db, read and changed through the ORM."""

from __future__ import annotations

from .backend import DjangoTasksBackend, failure_reason

__all__ = ["DjangoTasksBackend", "failure_reason"]
