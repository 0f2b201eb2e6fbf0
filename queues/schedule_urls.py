"""The schedules' routes, spliced into ``queues.urls`` after the job routes (a job may be
called "schedules") and before the queue routes (whose queue name takes any path).

Schedule ids go in one path segment escaped as job ids are (``qb_job_id``): they may hold
``:``, ``/``, ``%`` and any letter.
"""

from django.urls import URLPattern, path

from . import converters  # noqa: F401 - registers qb_job_id and qb_schedule_action
from .views import schedules_api, schedules_pages

SCHEDULE = "<str:alias>/<path:queue>/schedules/<qb_job_id:schedule_id>"

api_urlpatterns: list[URLPattern] = [
    path("api/schedules", schedules_api.board_schedules, name="api-schedules"),
    path(
        f"api/queues/{SCHEDULE}/<qb_schedule_action:action>",
        schedules_api.schedule_action,
        name="api-schedule-action",
    ),
    path(f"api/queues/{SCHEDULE}", schedules_api.schedule, name="api-schedule"),
    path(
        "api/queues/<str:alias>/<path:queue>/schedules",
        schedules_api.queue_schedules,
        name="api-queue-schedules",
    ),
]

page_urlpatterns: list[URLPattern] = [
    path("schedules/", schedules_pages.schedules, name="schedules"),
    path(
        f"queue/{SCHEDULE}/<qb_schedule_action:action>",
        schedules_pages.schedule_action,
        name="schedule-action",
    ),
    path(f"queue/{SCHEDULE}/", schedules_pages.schedule, name="schedule"),
    path(
        "queue/<str:alias>/<path:queue>/schedules/",
        schedules_pages.queue_panel,
        name="queue-schedules",
    ),
]
