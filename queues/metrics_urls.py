"""The ``/metrics`` route (Prometheus), spliced into ``queues.urls`` before the queue routes."""

from django.urls import URLPattern, path

from .views import metrics

urlpatterns: list[URLPattern] = [
    path("metrics", metrics.metrics, name="metrics"),
]
