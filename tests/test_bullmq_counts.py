"""Queue counts and the paused flag, for all queues in one round trip."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from redis.asyncio.connection import AbstractConnection

from queues.states import JobState
from tests import bullmq_producers as producers
from tests.fixtures_bullmq import run


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts what redis.asyncio sends: one ``send_packed_command`` per round trip."""
    sent = [0]
    original = AbstractConnection.send_packed_command

    async def counting(self: Any, command: Any, check_health: bool = True) -> None:
        sent[0] += 1
        await original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    yield sent


def test_counts_of_every_state(bullmq_backend: Any, redis_url: str) -> None:
    ids = asyncio.run(producers.seed_python_queue(redis_url, "py-basic"))
    (summary,) = run(bullmq_backend, bullmq_backend.list_queues())
    assert summary.name == "py-basic" and summary.backend == "bullmq"
    assert list(summary.counts) == list(bullmq_backend.states)
    expected = {JobState(state): len(state_ids) for state, state_ids in ids.items()}
    assert summary.counts == {state: expected.get(state, 0) for state in bullmq_backend.states}
    assert summary.paused is False and summary.problem is None
    assert run(bullmq_backend, bullmq_backend.get_queue("py-basic")) == summary


def test_paused_flag(bullmq_backend: Any, redis_url: str) -> None:
    asyncio.run(producers.add_jobs(redis_url, "held", 2))
    r = redis.Redis.from_url(redis_url)
    r.hset("bull:held:meta", "paused", 1)
    r.close()
    summary = run(bullmq_backend, bullmq_backend.get_queue("held"))
    assert summary.paused is True
    assert summary.counts[JobState.WAITING] == 2  # v6 keeps paused jobs in wait


def test_legacy_paused_list_is_counted(bullmq_backend: Any, redis_url: str) -> None:
    producers.write_legacy_paused(redis_url, "legacy")
    summary = run(bullmq_backend, bullmq_backend.get_queue("legacy"))
    assert summary.paused is True
    assert summary.counts[JobState.PAUSED] == 3
    assert summary.counts[JobState.WAITING] == 0


def test_state_key_of_the_wrong_type_is_a_problem_not_an_error(
    bullmq_backend: Any, redis_url: str
) -> None:
    asyncio.run(producers.add_jobs(redis_url, "odd", 1))
    r = redis.Redis.from_url(redis_url)
    r.set("bull:odd:completed", "not a zset")
    r.close()
    summary = run(bullmq_backend, bullmq_backend.get_queue("odd"))
    assert summary.counts[JobState.COMPLETED] == 0
    assert summary.counts[JobState.WAITING] == 1
    assert summary.problem and "completed" in summary.problem


def test_list_queues_is_one_round_trip_for_many_queues(
    bullmq_backend: Any, redis_url: str, round_trips: list[int]
) -> None:
    r = redis.Redis.from_url(redis_url)
    for n in range(60):
        producers.write_queue_keys(r, f"queue-{n:02d}")
        producers.write_job(r, f"queue-{n:02d}", "1", "wait")
    r.close()

    async def measure() -> tuple[int, list[Any]]:
        await bullmq_backend.list_queues()  # connects and warms discovery
        before = round_trips[0]
        summaries = await bullmq_backend.list_queues()
        return round_trips[0] - before, summaries

    trips, summaries = run(bullmq_backend, measure())
    assert len(summaries) == 60
    assert all(q.counts[JobState.WAITING] == 1 for q in summaries)
    assert trips <= 2, f"list_queues took {trips} round trips"
    assert trips == 1


def test_job_reads_are_one_round_trip_each(
    bullmq_backend: Any, redis_url: str, round_trips: list[int]
) -> None:
    from queues.backends.types import JobQuery

    ids = asyncio.run(producers.add_jobs(redis_url, "q", 50))

    async def measure() -> tuple[int, int, int]:
        query = JobQuery("q", JobState.WAITING, per_page=50)
        await bullmq_backend.list_jobs(query)  # connects, warms discovery, loads the script
        start = round_trips[0]
        page = await bullmq_backend.list_jobs(query)
        middle = round_trips[0]
        await bullmq_backend.get_job("q", ids[0])
        assert len(page.jobs) == 50
        return middle - start, round_trips[0] - middle, len(page.jobs)

    page_trips, job_trips, _ = run(bullmq_backend, measure())
    assert page_trips == 1
    assert job_trips == 1
