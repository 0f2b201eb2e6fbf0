"""The overview's kept counts: answered while one read replaces them behind the requests on a
server's loop, read by the request elsewhere, shared by requests arriving together, and never
replaced by a read that began before an action (``queues/kept_counts.py``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
import redis

from queues.kept_counts import KeptCounts
from queues.states import JobState
from tests import bullmq_producers as producers

pytestmark = pytest.mark.django_db(transaction=True)
T = TypeVar("T")
TTL = 0.5


def waiting(queues: list[Any]) -> int:
    return next(q.counts[JobState.WAITING] for q in queues if q.name == "kept")


def count_reads(r: redis.Redis) -> int:
    """Counts scripts run so far (one per ``list_queues``)."""
    return int(r.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))


@pytest.fixture
def r(bullmq_settings: dict[str, Any]) -> Any:
    client = redis.Redis.from_url(bullmq_settings["OPTIONS"]["url"])
    producers.write_queue_keys(client, "kept")
    producers.write_job(client, "kept", "1", "wait")
    yield client
    client.close()


def on_one_loop(bullmq_backend: Any, body: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        try:
            return await body()
        finally:
            await bullmq_backend.close()

    return asyncio.run(run())


def test_on_a_servers_loop_the_kept_counts_answer_while_one_read_replaces_them(
    r: Any, bullmq_backend: Any
) -> None:
    kept = KeptCounts()

    async def body() -> list[int]:
        seen = [waiting(await kept.get(bullmq_backend, TTL))]
        producers.write_job(r, "kept", "2", "wait")
        seen.append(waiting(await kept.get(bullmq_backend, TTL)))  # still fresh
        await asyncio.sleep(TTL + 0.05)
        started, before = time.monotonic(), count_reads(r)
        seen.append(waiting(await kept.get(bullmq_backend, TTL)))  # stale: answered at once
        seen.append(waiting(await kept.get(bullmq_backend, TTL)))  # the read is under way
        await asyncio.sleep(0.2)  # the read behind the requests lands
        seen.append(waiting(await kept.get(bullmq_backend, TTL)))
        assert count_reads(r) - before == 1  # the one read behind, no other
        assert time.monotonic() - started < TTL  # nobody waited a period
        return seen

    assert on_one_loop(bullmq_backend, body) == [1, 1, 1, 1, 2]


def test_counts_older_than_two_periods_are_read_by_the_request(r: Any, bullmq_backend: Any) -> None:
    kept = KeptCounts()

    async def body() -> list[int]:
        seen = [waiting(await kept.get(bullmq_backend, TTL))]
        producers.write_job(r, "kept", "2", "wait")
        await asyncio.sleep(2 * TTL + 0.05)
        seen.append(waiting(await kept.get(bullmq_backend, TTL)))
        return seen

    assert on_one_loop(bullmq_backend, body) == [1, 2]


def test_a_loop_per_request_reads_them_once_the_period_ran_out(r: Any, bullmq_backend: Any) -> None:
    """As under WSGI: a read behind the request would end with the request's loop."""
    kept = KeptCounts()

    def request() -> int:
        async def body() -> int:
            return waiting(await kept.get(bullmq_backend, TTL))

        return on_one_loop(bullmq_backend, body)

    assert request() == 1
    producers.write_job(r, "kept", "2", "wait")
    assert request() == 1  # still fresh
    time.sleep(TTL + 0.05)
    assert request() == 2


def test_requests_arriving_together_share_one_read(r: Any, bullmq_backend: Any) -> None:
    kept = KeptCounts()

    async def body() -> list[int]:
        before = count_reads(r)
        answers = await asyncio.gather(*(kept.get(bullmq_backend, TTL) for _ in range(20)))
        assert count_reads(r) - before == 1
        return [waiting(queues) for queues in answers]

    assert on_one_loop(bullmq_backend, body) == [1] * 20


def test_a_read_begun_before_an_action_is_not_kept(r: Any, bullmq_backend: Any) -> None:
    kept = KeptCounts()

    async def body() -> list[int]:
        seen = [waiting(await kept.get(bullmq_backend, TTL))]
        await asyncio.sleep(TTL + 0.05)
        seen.append(waiting(await kept.get(bullmq_backend, TTL)))  # starts a read behind
        kept.forget(bullmq_backend)  # an action, before that read answers
        producers.write_job(r, "kept", "2", "wait")
        seen.append(waiting(await kept.get(bullmq_backend, TTL)))  # a read of its own
        return seen

    assert on_one_loop(bullmq_backend, body) == [1, 1, 2]


def test_a_read_behind_the_requests_holds_redis_a_slice_at_a_time(
    r: Any, bullmq_backend: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One script call per slice of queues behind the requests; a request's own read is one."""
    from queues.backends.bullmq import reads

    monkeypatch.setattr(reads, "COUNTS_SLICE", 2)
    for name in ("kept-b", "kept-c", "kept-d", "kept-e"):
        producers.write_queue_keys(r, name)
    kept = KeptCounts()

    async def body() -> tuple[int, int, list[str]]:
        before = count_reads(r)
        first = await kept.get(bullmq_backend, TTL)  # the request's own: one call
        inline = count_reads(r) - before
        await asyncio.sleep(TTL + 0.05)
        before = count_reads(r)
        await kept.get(bullmq_backend, TTL)  # answered from the kept counts; a read behind
        await asyncio.sleep(0.3)
        behind = count_reads(r) - before
        again = await kept.get(bullmq_backend, TTL)
        assert [q.counts for q in again] == [q.counts for q in first]
        return inline, behind, [q.name for q in again]

    inline, behind, names = on_one_loop(bullmq_backend, body)
    assert (inline, behind) == (1, 3)  # five queues: slices of 2, 2 and 1
    assert names == ["kept", "kept-b", "kept-c", "kept-d", "kept-e"]
