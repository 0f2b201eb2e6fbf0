"""The health panel's route, spliced into ``queues.urls`` after the job pages (a job may be
called "health") and before the queue page (whose queue name takes any path)."""

from django.urls import URLPattern, path

from .views import health_pages

page_urlpatterns: list[URLPattern] = [
    path("queue/<str:alias>/<path:queue>/health/", health_pages.queue_health, name="queue-health"),
]
