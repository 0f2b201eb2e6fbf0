"""Background tasks of the live reader stop even when a cancellation is swallowed."""

from __future__ import annotations

import asyncio

import pytest

from queues.live import stopping


async def stubborn(swallow: int, ended: list[str]) -> None:
    """Swallows its first ``swallow`` cancellations, as ``wait_for`` can on Python 3.11."""
    while True:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            if swallow == 0:
                ended.append("cancelled")
                raise
            swallow -= 1


def test_a_task_that_swallows_cancellations_is_cancelled_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stopping, "RECANCEL_EVERY", 0.01)
    ended: list[str] = []

    async def scenario() -> None:
        tasks = [asyncio.create_task(stubborn(n, ended)) for n in (0, 1, 3)]
        await asyncio.sleep(0)
        await stopping.cancel_and_wait(tasks)
        assert all(task.cancelled() for task in tasks)

    asyncio.run(scenario())
    assert ended == ["cancelled"] * 3


def test_failed_and_finished_tasks_are_collected_quietly() -> None:
    async def fails() -> None:
        raise ValueError("boom")

    async def scenario() -> None:
        failing = asyncio.create_task(fails())
        finished = asyncio.create_task(asyncio.sleep(0))
        await asyncio.sleep(0.01)
        await stopping.cancel_and_wait([failing, finished])
        assert failing.done() and finished.done()

    asyncio.run(scenario())  # no "exception was never retrieved" left behind
