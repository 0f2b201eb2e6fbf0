"""Where Celery keeps things in Redis: kombu's Redis transport (the broker) and Celery's Redis
result backend. Names only; nothing here talks to a server."""

from __future__ import annotations

#: kombu's separator inside binding members and priority list names (``Channel.sep``).
SEP = "\x06\x16"
#: kombu's priority steps (``PRIORITY_STEPS``): step 0 is the queue's own list, the others
#: ``<queue>\x06\x16<step>``; workers take from the lowest step first, each list from its tail.
PRIORITY_STEPS = (0, 3, 6, 9)
#: A set per exchange whose members are ``routing_key SEP pattern SEP queue``.
BINDING_PREFIX = "_kombu.binding."
#: Celery's own messaging (events, remote control and its replies): their bindings name
#: pub/sub channels, not task queues.
CONTROL_EXCHANGES = frozenset({"celeryev", "celery.pidbox", "reply.celery.pidbox"})
#: The result backend's key of a task (``BaseKeyValueStoreBackend.task_keyprefix``).
RESULT_PREFIX = "celery-task-meta-"


def message_lists(prefix: str, queue: str) -> list[str]:
    """The Redis lists holding ``queue``'s messages, in the order workers take them."""
    return [f"{prefix}{queue}"] + [f"{prefix}{queue}{SEP}{step}" for step in PRIORITY_STEPS[1:]]


def binding_exchange(prefix: str, key: bytes) -> str:
    """The exchange a binding set's key names."""
    return key.decode("utf-8", "replace")[len(prefix) + len(BINDING_PREFIX) :]


def bound_queue(member: bytes) -> str | None:
    """The queue a binding member names, or None for a member of another shape."""
    parts = member.decode("utf-8", "replace").split(SEP)
    return parts[2] if len(parts) == 3 and parts[2] else None
