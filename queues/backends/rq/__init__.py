"""The RQ backend: queues written by RQ (``rq`` 2.x) read straight from Redis."""

from __future__ import annotations

from .backend import RQBackend

__all__ = ["RQBackend"]
