"""The metrics history's routes, spliced into ``queues.urls`` after the job routes (a job may
be called "history" or "metrics") and before the queue routes (whose name takes any path)."""

from django.urls import URLPattern, path

from .views import history

api_urlpatterns: list[URLPattern] = [
    path("api/queues/<str:alias>/<path:queue>/metrics", history.queue_metrics, name="api-metrics"),
]

page_urlpatterns: list[URLPattern] = [
    path("queue/<str:alias>/<path:queue>/history/", history.queue_history, name="queue-history"),
]
