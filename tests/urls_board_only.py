"""A host site's URLs with the board and no logout view at all."""

from django.urls import include, path

urlpatterns = [path("ops/queues/", include("queues.urls"))]
