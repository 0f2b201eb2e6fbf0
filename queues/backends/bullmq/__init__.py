"""The BullMQ backend: queues written by BullMQ's Node and Python clients, read from Redis."""

from __future__ import annotations

from .backend import BullMQBackend

__all__ = ["BullMQBackend"]
