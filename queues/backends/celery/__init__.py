"""Celery (Redis broker, Redis result backend), read straight from Redis: ``CeleryBackend``."""

from .backend import CeleryBackend

__all__ = ["CeleryBackend"]
