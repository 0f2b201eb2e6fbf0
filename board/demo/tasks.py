"""Django Tasks of the demo (django-tasks-db runs them through ``manage.py db_worker``)."""

from __future__ import annotations

import time
from typing import Any

from django.utils import timezone

from . import work

try:  # Django >= 6.0
    from django.tasks import task
except ImportError:  # Django 5.2 with the django-tasks backport
    from django_tasks import task  # type: ignore[no-redef]


def _take(seconds: float) -> None:
    """Pretend the work takes a while, so the live worker shows running tasks."""
    if seconds > 0:
        time.sleep(seconds)


@task(queue_name="emails")
def send_email(to: str, template: str = "welcome", seconds: float = 0) -> dict[str, Any]:
    _take(seconds)
    return work.compose_email(to, template)


@task(queue_name="images")
def make_thumbnail(
    path: str, width: int, height: int, target_width: int = 320, seconds: float = 0
) -> dict[str, Any]:
    _take(seconds)
    return {"path": path, **work.thumbnail_size(width, height, target_width)}


@task(queue_name="reports")
def build_monthly_report(month: str, region: str = "eu", seconds: float = 0) -> dict[str, Any]:
    _take(seconds)
    return work.monthly_totals(month, region)


@task()
def clear_expired_sessions(seconds: float = 0) -> int:
    """Delete expired sessions (a real query) and return how many went."""
    from django.contrib.sessions.models import Session

    _take(seconds)
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
