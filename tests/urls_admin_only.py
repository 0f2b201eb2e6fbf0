"""A host site's URLs with the admin and the board, and no "logout" URL name of its own."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [path("admin/", admin.site.urls), path("ops/queues/", include("queues.urls"))]
