"""Mount with ``path("<any prefix>/", include("queues.urls"))``.

Queue names may contain ``/``, so job routes come before queue routes. Job ids may contain
``/`` too: they are escaped once more in their segment (``queues.converters``).
"""

from django.urls import path, re_path

from . import features
from .converters import JobActionConverter  # and registers qb_job_id and qb_job_action
from .views import actions_api, actions_pages, api, audit, flows, job_changes_api, jsi18n, pages

app_name = "queues"

Q = r"(?P<alias>[^/]+)/(?P<queue>.+)"
JOB_ACTIONS = rf"(?P<action>{JobActionConverter.regex})"
JOB = "<str:alias>/<path:queue>/job/<qb_job_id:job_id>"
QUEUE_ACTIONS = (
    r"(?P<action>retry-all|promote-all|clean|empty|pause|resume|suspend-workers|resume-workers)"
)

urlpatterns = [
    path("", pages.overview, name="overview"),
    path("audit/", audit.audit_log, name="audit"),
    *features.routes("urlpatterns"),  # board-wide routes of features (features.py): /metrics
    # The JavaScript catalog of a language (queues/jscatalog.py), public like a static file.
    path("jsi18n/<str:language>.js", jsi18n.javascript_catalog, name="jsi18n"),
    path("runs/<str:run_id>/", actions_pages.run_detail, name="run"),
    path("runs/<str:run_id>/cancel", actions_pages.run_cancel, name="run-cancel"),
    # JSON API
    path("api/queues", api.queues, name="api-queues"),
    path("api/audit", audit.audit_api, name="api-audit"),
    path("api/runs/<str:run_id>", actions_api.run_status, name="api-run"),
    path("api/runs/<str:run_id>/cancel", actions_api.run_cancel, name="api-run-cancel"),
    path(
        "api/queues/<str:alias>/<path:queue>/jobs/<qb_job_id:job_id>/<qb_job_action:action>",
        actions_api.job,
        name="api-job-action",
    ),
    # POST: the selection action; GET: the job whose id is "retry", "promote" or "remove".
    re_path(rf"^api/queues/{Q}/jobs/{JOB_ACTIONS}$", api.job_or_selection, name="api-selection"),
    path("api/queues/<str:alias>/<path:queue>/jobs/<qb_job_id:job_id>", api.job, name="api-job"),
    # GET lists the jobs, POST adds one (views/job_changes_api.py).
    path("api/queues/<str:alias>/<path:queue>/jobs", job_changes_api.jobs_or_add, name="api-jobs"),
    path("api/queues/<str:alias>/<path:queue>/workers", api.workers, name="api-workers"),
    # Each feature's API (features.py): after the job routes, before the queue routes.
    *features.routes("api_urlpatterns"),
    re_path(rf"^api/queues/{Q}/{QUEUE_ACTIONS}$", actions_api.queue_wide, name="api-queue-action"),
    # Pages
    path(f"queue/{JOB}/download/<str:field>", pages.job_download, name="job-download"),
    path(f"queue/{JOB}/flow", flows.job_flow, name="job-flow"),
    path(f"queue/{JOB}/<qb_job_action:action>", actions_pages.job, name="job-action"),
    path(f"queue/{JOB}/", pages.job_detail, name="job"),
    path("queue/<str:alias>/<path:queue>/find-job", pages.find_job, name="find-job"),
    # Each feature's pages (features.py): after the job pages, before the queue page.
    *features.routes("page_urlpatterns"),
    re_path(rf"^queue/{Q}/jobs/{JOB_ACTIONS}$", actions_pages.selection, name="selection"),
    re_path(rf"^queue/{Q}/{QUEUE_ACTIONS}$", actions_pages.queue_wide, name="queue-action"),
    path("queue/<str:alias>/<path:queue>/", pages.queue_detail, name="queue"),
]
