"""Load the backends named in ``QUEUEBOARD_BACKENDS`` lazily, once per process."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.connection import BaseConnectionHandler
from django.utils.module_loading import import_string

from .base import QueueBackend

__all__ = ["InvalidBackend", "InvalidBackendURL", "QueueBackend", "backends"]


class InvalidBackend(ImproperlyConfigured):
    pass


class InvalidBackendURL(InvalidBackend):
    """A backend's server URL cannot be read as written. The message names the setting and
    never quotes the URL (it may hold a password); the board refuses to start."""


if TYPE_CHECKING:
    _Handler = BaseConnectionHandler[QueueBackend]
else:  # not subscriptable at run time unless django-stubs-ext patched it
    _Handler = BaseConnectionHandler


class BackendHandler(_Handler):
    settings_name = "QUEUEBOARD_BACKENDS"
    exception_class = InvalidBackend

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        super().__init__(settings)
        # Backends are shared by every thread and task: each keeps its own connections per
        # event loop, so a per-context cache (Django's default) would only multiply pools.
        self._connections: Any = SimpleNamespace()

    def configure_settings(self, settings: dict[str, Any] | None) -> dict[str, Any]:
        configured = super().configure_settings(settings)
        for alias, params in configured.items():
            if not isinstance(params, dict) or "BACKEND" not in params:
                raise InvalidBackend(
                    f"QUEUEBOARD_BACKENDS[{alias!r}] needs a 'BACKEND' dotted path."
                )
        return configured

    def create_connection(self, alias: str) -> QueueBackend:
        params = self.settings[alias]
        try:
            backend_class = import_string(params["BACKEND"])
        except ImportError as exc:
            raise InvalidBackend(
                f"QUEUEBOARD_BACKENDS[{alias!r}]: could not import {params['BACKEND']!r}: {exc}"
            ) from exc
        if not (isinstance(backend_class, type) and issubclass(backend_class, QueueBackend)):
            raise InvalidBackend(
                f"QUEUEBOARD_BACKENDS[{alias!r}]: {params['BACKEND']!r} is not a QueueBackend."
            )
        return backend_class(alias, params)

    def create_all_at_startup(self) -> None:
        """Create every configured backend now (``QueuesConfig.ready``), so that one whose URL
        cannot be read stops the start-up, under daphne too (which runs no system checks).

        Every other mistake is left to the system checks, which list them all, and to the
        first use of the backend.
        """
        try:
            aliases = list(self)
        except Exception:  # no or malformed QUEUEBOARD_BACKENDS: the checks say so
            return
        for alias in aliases:
            try:
                self[alias]
            except InvalidBackendURL:
                raise
            except Exception:  # noqa: S112 - reported by the checks and at first use
                continue

    def reset(self) -> None:
        # BaseConnectionHandler caches the configured dict in both places.
        self.__dict__.pop("settings", None)
        self._settings = None
        self._connections = SimpleNamespace()


backends = BackendHandler()


def _reset_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting in {"QUEUEBOARD_BACKENDS", "QUEUEBOARD"}:
        backends.reset()


setting_changed.connect(_reset_on_setting_change, dispatch_uid="queueboard-backends-reset")
