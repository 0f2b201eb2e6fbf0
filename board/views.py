"""The standalone site's own views: health check, login and logout in the board's look."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from queues.conf import setting

from .login_throttle import ThrottledAuthenticationForm


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for the Docker health check and load balancers: no login, no backend calls."""
    return HttpResponse("ok", content_type="text/plain")


class LoginView(auth_views.LoginView):
    """Django's login (CSRF, safe ``next`` only), on the board's base template.

    Without a ``next``, a login lands on the overview (the site sets no LOGIN_REDIRECT_URL).
    Failed logins are throttled per account and per address (``login_throttle``).
    """

    next_page = "queues:overview"
    authentication_form = ThrottledAuthenticationForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        notices = [
            {"text": str(message), "level": message.level_tag}
            for message in messages.get_messages(self.request)
        ]
        return {**context, "board_title": setting("TITLE"), "notices": notices}

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        # The error summary (id "login-error") is read with each field when it gets focus.
        for field in form.fields.values():
            field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": "login-error"})
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST only), back to the login page with a notice."""

    next_page = "login"

    def get_redirect_url(self) -> str:
        # The header's form names the board as ``next`` (for hosts whose logout, like the
        # admin's, would stay on its own page); this site always lands on its login page.
        return ""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, gettext("You are logged out."))
        return response
