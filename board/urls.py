from django.contrib import admin
from django.urls import include, path
from django.views import defaults

from .headers import secured
from .views import LoginView, LogoutView, healthz

# Django's own error pages, with the board's security headers.
handler400 = secured(defaults.bad_request)
handler403 = secured(defaults.permission_denied)
handler404 = secured(defaults.page_not_found)
handler500 = secured(defaults.server_error)

urlpatterns = [
    path("healthz", secured(healthz), name="healthz"),
    path("login/", secured(LoginView.as_view()), name="login"),
    path("logout/", secured(LogoutView.as_view()), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("queues.urls")),
]
