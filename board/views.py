"""The standalone site's own views."""

from django.http import HttpRequest, HttpResponse


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for the Docker health check and load balancers: no login, no backend calls."""
    return HttpResponse("ok", content_type="text/plain")
