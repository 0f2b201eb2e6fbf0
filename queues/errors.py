"""Errors about what a user sent, shared by pages, the API and actions."""

from __future__ import annotations


class BadRequest(ValueError):
    """A parameter the user sent is malformed; the message says which and why (a 400)."""
