"""Stopping background tasks even when a cancellation is swallowed.

On Python 3.11, ``asyncio.wait_for`` can swallow a cancellation that arrives just as the
operation it waits for completes (fixed in 3.12); redis-py sends commands through it. A task
cancelled at that moment carries on as if nothing had happened, and ``cancel()`` followed by
``gather()`` then waits forever (seen as a hung test: the live reader never stopped).
``cancel_and_wait`` cancels again until every task has ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

#: Seconds between two cancellations of a task that is still running.
RECANCEL_EVERY = 0.5


async def cancel_and_wait(tasks: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel ``tasks`` and wait until all have ended, cancelling again while any runs.

    Their results and exceptions are discarded (and marked retrieved). Cancelling the caller
    does not stop the cleanup: it goes on in the background until the tasks have ended.
    """
    await asyncio.shield(_cancel_until_done(list(tasks)))


async def _cancel_until_done(tasks: list[asyncio.Future[Any]]) -> None:
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=RECANCEL_EVERY)
    for task in tasks:
        if not task.cancelled():
            task.exception()
