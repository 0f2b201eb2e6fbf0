from importlib.util import find_spec

from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "queues"
    label = "queues"
    verbose_name = "Queueboard"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, host_checks, presentation_checks, redaction_checks  # noqa: F401 - registers the system checks
        from .alerts import checks as alert_checks  # noqa: F401 - and those of alerts
        from .backends import backends
        from .live import checks as live_checks  # noqa: F401 - and those of live updates

        # A backend whose URL cannot be read stops the start-up here (daphne runs no checks).
        backends.create_all_at_startup()

        if find_spec("channels") is not None:
            from django.contrib.auth.signals import user_logged_out

            from .live.sessions import logged_out

            # A logout closes the session's live sockets, in every board process.
            user_logged_out.connect(logged_out, dispatch_uid="queueboard-live-logout")
