# mypy: disable-error-code="arg-type"
"""The routes of dead-letter queues, spliced into ``queues.urls`` (``features``): the API's after
the job routes, the pages' after the job pages (``<qb_job_id>`` segments, as there)."""

from django.urls import URLPattern, path

from . import converters  # noqa: F401 - registers qb_job_id
from .views import dead_letters

JOB = "<str:alias>/<path:queue>/job/<qb_job_id:job_id>"
QUEUE = "<str:alias>/<path:queue>"

api_urlpatterns: list[URLPattern] = [
    path(
        "api/queues/<str:alias>/<path:queue>/jobs/<qb_job_id:job_id>/replay",
        dead_letters.replay_job_api,
        name="api-job-replay",
    ),
    # {"ids": [...]}: those jobs; {"all": true}: every one, as a bulk run.
    path(f"api/queues/{QUEUE}/replay", dead_letters.replay_api, name="api-replay"),
]

page_urlpatterns: list[URLPattern] = [
    path(f"queue/{JOB}/replay", dead_letters.replay_job_page, name="job-replay"),
    path(f"queue/{JOB}/dead-letter", dead_letters.job_panel, name="job-dead-letter"),
    path(f"queue/{QUEUE}/replay", dead_letters.replay_page, name="replay"),
    path(f"queue/{QUEUE}/dead-letters", dead_letters.queue_panel, name="dead-letters"),
]
