"""System checks of the presentation settings: ``ENVIRONMENT`` and ``EXTERNAL_JOB_URL``
(queue display names are checked with each backend, ``backends/queue_display.py``)."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .presentation import environment_problems, external_url_problems


def _setting(name: str) -> tuple[bool, Any]:
    from .conf import get_config

    try:
        return True, get_config()[name]
    except ImproperlyConfigured:
        return False, None  # said by check_backends


@checks.register("queueboard")
def check_environment(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    known, value = _setting("ENVIRONMENT")
    problems = environment_problems(value) if known else []
    return [
        checks.Error(f"QUEUEBOARD['ENVIRONMENT'] {problem}", id="queueboard.E042")
        for problem in problems
    ]


@checks.register("queueboard")
def check_external_job_url(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    known, value = _setting("EXTERNAL_JOB_URL")
    problems = external_url_problems(value) if known else []
    return [
        checks.Error(f"QUEUEBOARD['EXTERNAL_JOB_URL'] {problem}", id="queueboard.E043")
        for problem in problems
    ]
