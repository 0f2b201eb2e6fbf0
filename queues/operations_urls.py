# mypy: disable-error-code="arg-type"
# (django-stubs types path() views as sync; ours are async, which Django accepts.)
"""The routes of a queue's limits and of a backend's server details, spliced into
``queues.urls``: the API's after the job routes, the pages' after the job pages (a job may be
called "limits")."""

from django.urls import URLPattern, path

from . import converters  # noqa: F401 - registers qb_job_id
from .views import limits, server_details

QUEUE = "<str:alias>/<path:queue>"

api_urlpatterns: list[URLPattern] = [
    path(f"api/queues/{QUEUE}/limits", limits.limits_api, name="api-queue-limits"),
    path(f"api/queues/{QUEUE}/concurrency", limits.concurrency_api, name="api-queue-concurrency"),
    path("api/backends/<str:alias>/server", server_details.server_api, name="api-server"),
]

page_urlpatterns: list[URLPattern] = [
    path(f"queue/{QUEUE}/limits/", limits.queue_limits, name="queue-limits"),
    path(
        f"queue/{QUEUE}/job/<qb_job_id:job_id>/deduplication",
        limits.job_deduplication,
        name="job-deduplication",
    ),
    path(f"queue/{QUEUE}/concurrency", limits.set_concurrency_page, name="set-concurrency"),
    path("server/<str:alias>/", server_details.server_page, name="server"),
]
