"""Mount with ``path("<any prefix>/", include("queues.urls"))``.

Queue names may contain ``/``, so job routes come before queue routes.
"""

from django.urls import path

from .views import api, pages

app_name = "queues"

urlpatterns = [
    path("", pages.overview, name="overview"),
    path("api/queues", api.queues, name="api-queues"),
    path("api/queues/<str:alias>/<path:queue>/jobs/<str:job_id>", api.job, name="api-job"),
    path("api/queues/<str:alias>/<path:queue>/jobs", api.jobs, name="api-jobs"),
    path(
        "queue/<str:alias>/<path:queue>/job/<str:job_id>/download/<str:field>",
        pages.job_download,
        name="job-download",
    ),
    path("queue/<str:alias>/<path:queue>/job/<str:job_id>/", pages.job_detail, name="job"),
    path("queue/<str:alias>/<path:queue>/", pages.queue_detail, name="queue"),
]
