"""The task framework: ``django.tasks`` on Django 6.0+, the ``django_tasks`` backport before.

Importing this module raises ``ImportError`` when neither is available; import it lazily.
"""

from __future__ import annotations

import django

if django.VERSION >= (6, 0):
    from django.tasks import TaskResultStatus, task, task_backends
    from django.tasks.exceptions import InvalidTaskBackend
else:  # pragma: no cover - exercised on Django 5.2 only
    # The two frameworks have the same API; type checkers see the django-stubs side.
    from django_tasks import (  # type: ignore[assignment,no-redef,unused-ignore]
        TaskResultStatus,
        task,
        task_backends,
    )
    from django_tasks.exceptions import (  # type: ignore[assignment,no-redef,unused-ignore]
        InvalidTaskBackendError as InvalidTaskBackend,
    )

__all__ = ["InvalidTaskBackend", "TaskResultStatus", "task", "task_backends"]
