from django.contrib import admin
from django.urls import include, path

from .headers import secured
from .views import LoginView, LogoutView, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("login/", secured(LoginView.as_view()), name="login"),
    path("logout/", secured(LogoutView.as_view()), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("queues.urls")),
]
