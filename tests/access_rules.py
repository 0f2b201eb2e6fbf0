"""ACCESS callables used by the access tests (referenced by dotted path in settings)."""

from typing import Any


def members_of_ops(user: Any, backend: str | None, queue: str | None) -> bool:
    """Non-staff users in the "ops" group may see everything but the queue named "secret"."""
    if queue == "secret":
        return False
    return bool(user.is_staff or user.groups.filter(name="ops").exists())


def no_bullmq(user: Any, backend: str | None, queue: str | None) -> bool:
    return bool(user.is_staff) and backend != "bullmq"
