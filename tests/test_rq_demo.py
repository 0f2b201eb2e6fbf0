"""The demo's RQ queue: ``demo_seed`` fills every RQ state a worker leaves behind."""

from __future__ import annotations

import signal
from typing import Any

from queues.states import JobState
from tests.fixtures_bullmq import run


def test_seed_fills_the_rq_states(rq_backend: Any, redis_url: str) -> None:
    from board.demo import seed_rq

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        seed_rq.seed(redis_url)
        seed_rq.seed(redis_url)  # again: replaced, not added to
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    (queue,) = run(rq_backend, rq_backend.list_queues())
    assert queue.name == seed_rq.QUEUE
    counts = queue.counts
    assert counts[JobState.WAITING] == 12
    assert counts[JobState.COMPLETED] == 3
    assert counts[JobState.FAILED] == 1
    assert counts[JobState.DELAYED] == 1
    assert counts[JobState.DEFERRED] == 1
    assert counts[JobState.CANCELED] == 1
