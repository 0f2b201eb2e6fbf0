"""The standalone site's URLs (and error handlers) plus a view that crashes, for the 500 test."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from board.urls import *  # noqa: F403  (handler400, handler404, handler500 ...)
from board.urls import urlpatterns as site_urlpatterns


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


urlpatterns = [path("crash", crash), *site_urlpatterns]
