# mypy: disable-error-code="arg-type"
"""The alerts' routes: board-wide, fixed paths (spliced into ``queues.urls`` by features.py)."""

from django.urls import URLPattern, path

from .views import alerts

urlpatterns: list[URLPattern] = [
    path("alerts/", alerts.alerts_page, name="alerts"),
    path("api/alerts", alerts.alerts_api, name="api-alerts"),
]
