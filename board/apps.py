from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "board"
    verbose_name = "Queueboard standalone site"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deploy checks
