from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "queues"
    label = "queues"
    verbose_name = "Queueboard"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, host_checks  # noqa: F401 - registers the system checks
        from .backends import backends

        # A backend whose URL cannot be read stops the start-up here (daphne runs no checks).
        backends.create_all_at_startup()
