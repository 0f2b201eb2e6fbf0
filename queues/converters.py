"""Path converters of the board's routes.

A job id is one path segment, yet producers may choose ids that hold ``/`` (BullMQ's custom
``jobId``, such as ``user/42/welcome``). Django quotes path arguments but leaves ``/`` as it is,
and the server decodes the path once before routing, so such an id is escaped once more here:
``/`` becomes ``%2F`` and ``%`` becomes ``%25`` in the segment (``%252F`` and ``%2525`` on the
wire), and decoded again when the route matches. Ids without ``/`` or ``%`` look the same.
"""

from __future__ import annotations

from urllib.parse import unquote

from django.urls import register_converter


class JobIdConverter:
    regex = r"[^/]+"

    def to_python(self, value: str) -> str:
        return unquote(value)

    def to_url(self, value: str) -> str:
        return str(value).replace("%", "%25").replace("/", "%2F")


class JobActionConverter:
    """The actions on one job, or on the jobs selected in a list."""

    regex = r"retry|promote|remove|cancel|stop"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ScheduleActionConverter:
    """The actions on one schedule (a schedule id goes through ``qb_job_id``, as a job id)."""

    regex = r"run-now|edit|remove"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(JobIdConverter, "qb_job_id")
register_converter(JobActionConverter, "qb_job_action")
register_converter(ScheduleActionConverter, "qb_schedule_action")
