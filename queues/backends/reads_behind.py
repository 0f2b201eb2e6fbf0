"""Whether the running read is one behind the requests (``queues/kept_counts.py``).

Nobody waits for such a read, so a backend may split it into shorter server calls: more round
trips, but a server shared with the queue's workers and the board's own requests is held for
less at a time (the BullMQ counts of 10,000 queues are a script of 100,000 commands otherwise).
"""

from __future__ import annotations

import contextvars

_behind: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "queueboard_read_behind", default=False
)


def reading_behind() -> bool:
    """Whether the code running now reads behind the requests."""
    return _behind.get()


def behind_context() -> contextvars.Context:
    """A context of its own (no request's) for a read behind the requests."""
    context = contextvars.Context()
    context.run(_behind.set, True)
    return context
