"""Queueboard: a dashboard for job queues, as a mountable Django app."""

__version__ = "0.1.0"
