from django.contrib import admin
from django.urls import include, path

# As django-rq's README mounts it: its pages extend the admin's, so the admin is mounted too.
urlpatterns = [path("admin/", admin.site.urls), path("django-rq/", include("django_rq.urls"))]
