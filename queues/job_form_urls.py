"""The routes of adding and changing jobs, spliced into ``queues.urls``: the API's after the
job action routes, the pages' after the job pages (``<qb_job_id>`` segments, as there)."""

from django.urls import URLPattern, path

from . import converters  # noqa: F401 - registers qb_job_id
from .views import job_changes_api, job_forms

JOB = "<str:alias>/<path:queue>/job/<qb_job_id:job_id>"
API_JOB = "api/queues/<str:alias>/<path:queue>/jobs/<qb_job_id:job_id>"
CHANGE = "<str:change>"

api_urlpatterns: list[URLPattern] = [
    path(f"{API_JOB}/edit", job_changes_api.change, {"change": "edit"}, name="api-job-edit"),
    path(
        f"{API_JOB}/reschedule",
        job_changes_api.change,
        {"change": "reschedule"},
        name="api-job-reschedule",
    ),
    path(
        f"{API_JOB}/priority",
        job_changes_api.change,
        {"change": "priority"},
        name="api-job-priority",
    ),
    path(
        f"{API_JOB}/remove-children",
        job_changes_api.change,
        {"change": "remove-children"},
        name="api-job-remove-children",
    ),
]

page_urlpatterns: list[URLPattern] = [
    path(f"queue/{JOB}/edit", job_forms.edit_job, name="job-edit"),
    path(f"queue/{JOB}/change/{CHANGE}", job_forms.change_job, name="job-change"),
    path("queue/<str:alias>/<path:queue>/add-job", job_forms.add_job, name="add-job"),
]
