from django.contrib import admin
from django.urls import include, path
from django.views import defaults

from .headers import secured
from .login_throttle import ThrottledAdminAuthenticationForm, throttled_status
from .views import LoginView, LogoutView, healthz

# The admin's login counts and refuses failed logins with the board's own (login_throttle).
admin.site.login_form = ThrottledAdminAuthenticationForm

# Django's own error pages, with the board's security headers.
handler400 = secured(defaults.bad_request)
handler403 = secured(defaults.permission_denied)
handler404 = secured(defaults.page_not_found)
handler500 = secured(defaults.server_error)

urlpatterns = [
    path("healthz", secured(healthz), name="healthz"),
    path("login/", secured(throttled_status(LoginView.as_view())), name="login"),
    path("logout/", secured(LogoutView.as_view()), name="logout"),
    path("admin/login/", throttled_status(admin.site.login)),  # before the admin's own
    path("admin/", admin.site.urls),
    path("", include("queues.urls")),
]
