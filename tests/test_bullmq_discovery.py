"""Discovery of BullMQ queues: SCAN for meta/id keys, confirmation, odd names, caching."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis

from queues.backends.bullmq import BullMQBackend
from queues.backends.errors import QueueNotFound
from tests import bullmq_producers as producers
from tests.fixtures_bullmq import run

ODD_NAMES = ["with:colon", "a:b:c", "<script>", 'quote\'s "double"', "ünïcødé-队列", "emoji 🚀"]


def backend(url: str, **options: Any) -> BullMQBackend:
    return BullMQBackend("bullmq", {"OPTIONS": {"url": url, **options}})


def names(b: BullMQBackend) -> list[str]:
    return [queue.name for queue in run(b, b.list_queues())]


def test_python_queues_are_found(bullmq_backend: Any, redis_url: str) -> None:
    asyncio.run(producers.add_jobs(redis_url, "emails", 2))
    asyncio.run(producers.add_jobs(redis_url, "reports", 1))
    assert names(bullmq_backend) == ["emails", "reports"]


def test_no_queues_at_all(bullmq_backend: Any) -> None:
    assert names(bullmq_backend) == []


@pytest.mark.parametrize("name", ODD_NAMES)
def test_odd_queue_names(bullmq_backend: Any, redis_url: str, name: str) -> None:
    ids = asyncio.run(producers.add_jobs(redis_url, name, 2))
    assert names(bullmq_backend) == [name]
    summary = run(bullmq_backend, bullmq_backend.get_queue(name))
    assert summary.name == name and summary.total == 2
    detail = run(bullmq_backend, bullmq_backend.get_job(name, ids[0]))
    assert detail.queue == name and detail.data.value == {"n": 0}


def test_queue_with_colon_next_to_its_prefix_namesake(bullmq_backend: Any, redis_url: str) -> None:
    """Queues "a" and "a:b" both exist; each keeps its own jobs."""
    asyncio.run(producers.add_jobs(redis_url, "a", 1))
    asyncio.run(producers.add_jobs(redis_url, "a:b", 3))
    counts = {q.name: q.total for q in run(bullmq_backend, bullmq_backend.list_queues())}
    assert counts == {"a": 1, "a:b": 3}


def test_false_candidates_are_not_queues(bullmq_backend: Any, redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url)
    producers.write_queue_keys(r, "real")
    # A job with custom id "x:meta" (a hash named like a meta key) and a job scheduler "meta".
    r.hset("bull:real:x:meta", mapping=producers.job_hash("x:meta"))
    r.hset("bull:real:repeat:meta", mapping={"name": "tick", "ic": 1})
    # A deduplication id "id" (a string named like an id key) and a job lock.
    r.set("bull:real:de:id", "5")
    r.set("bull:real:id:lock", "token")
    # BullMQ's relay keys and keys of another prefix.
    r.hset("bull::relay:meta", "opts.maxLenEvents", 10)
    r.set("bull::relay:id", 1)
    producers.write_queue_keys(r, "relay")  # a real queue literally named "relay" is fine
    r.hset("other:elsewhere:meta", "opts.maxLenEvents", 10)
    r.close()
    assert names(bullmq_backend) == ["real", "relay"]


@pytest.mark.node
def test_node_queue_without_jobs_is_found(bullmq_backend: Any, node_produce: Any) -> None:
    """A Node ``Queue`` writes its meta hash on construction; no job, no id key yet."""
    node_produce("empty-queue")
    summaries = run(bullmq_backend, bullmq_backend.list_queues())
    assert [(q.name, q.total) for q in summaries] == [("node-empty", 0)]


def test_other_prefix(redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url)
    producers.write_queue_keys(r, "ignored")
    r.hset("my*app:jobs:meta", "opts.maxLenEvents", 10)
    r.set("my*app:jobs:id", 1)
    r.hset("myXapp:nope:meta", "opts.maxLenEvents", 10)  # '*' in the prefix is not a glob
    r.close()
    assert names(backend(redis_url, prefix="my*app")) == ["jobs"]


def test_explicit_queue_list_skips_scanning(redis_url: str) -> None:
    asyncio.run(producers.add_jobs(redis_url, "listed", 2))
    asyncio.run(producers.add_jobs(redis_url, "unlisted", 1))
    b = backend(redis_url, queues=["listed", "not-yet-created"])
    summaries = {q.name: q.total for q in run(b, b.list_queues())}
    assert summaries == {"listed": 2, "not-yet-created": 0}
    with pytest.raises(QueueNotFound):
        run(b, b.get_queue("unlisted"))


def test_discovery_is_cached_for_its_ttl(redis_url: str) -> None:
    b = backend(redis_url, discovery_ttl=60)
    asyncio.run(producers.add_jobs(redis_url, "first", 1))
    assert names(b) == ["first"]
    asyncio.run(producers.add_jobs(redis_url, "second", 1))
    assert names(b) == ["first"]  # cached
    # A queue asked for by name is confirmed on its own, even before the cache expires.
    assert run(b, b.get_queue("second")).total == 1
    fresh = backend(redis_url, discovery_ttl=0)
    assert names(fresh) == ["first", "second"]


def test_an_expired_cache_answers_at_once_and_refreshes_in_the_background(
    redis_url: str,
) -> None:
    b = backend(redis_url, discovery_ttl=60, discovery_refresh=0)
    asyncio.run(producers.add_jobs(redis_url, "first", 1))
    asyncio.run(producers.add_jobs(redis_url, "second", 1))

    async def scenario() -> tuple[list[str], list[str], list[str]]:
        discovery = b.discovery
        known = await discovery.names(b.pool.get().redis)  # the first read waits for the scan
        await asyncio.to_thread(lambda: asyncio.run(producers.add_jobs(redis_url, "third", 1)))
        discovery._expires = 0.0  # the TTL has passed
        stale = await discovery.names(b.pool.get().redis)
        assert discovery._refresh is not None
        await discovery._refresh
        return known, stale, await discovery.names(b.pool.get().redis)

    try:
        known, stale, fresh = asyncio.run(scenario())
    finally:
        asyncio.run(b.close())
    assert known == stale == ["first", "second"]
    assert fresh == ["first", "second", "third"]


def test_forget_outlasts_a_refresh_already_under_way(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A background scan that read the keys before ``forget()`` does not store its old names."""
    from queues.backends.bullmq import discovery as module

    b = backend(redis_url, discovery_ttl=60, discovery_refresh=0)
    asyncio.run(producers.add_jobs(redis_url, "first", 1))
    real_scan = module.scan_candidates

    async def scenario() -> list[str] | None:
        discovery, client = b.discovery, b.pool.get().redis
        await discovery.names(client)
        gate = asyncio.Event()

        async def scan_then_wait(*args: Any) -> list[str]:
            found: list[str] = await real_scan(*args)
            await gate.wait()
            return found

        monkeypatch.setattr(module, "scan_candidates", scan_then_wait)
        discovery._expires = 0.0
        await discovery.names(client)  # stale names; the refresh starts and reads the keys
        refresh = discovery._refresh
        assert refresh is not None
        await asyncio.sleep(0.2)
        await asyncio.to_thread(lambda: asyncio.run(producers.add_jobs(redis_url, "second", 1)))
        discovery.forget()
        monkeypatch.setattr(module, "scan_candidates", real_scan)
        assert await discovery.names(client) == ["first", "second"]
        gate.set()
        assert await refresh == ["first"]  # what it found, not stored
        return discovery.cached

    try:
        assert asyncio.run(scenario()) == ["first", "second"]
    finally:
        asyncio.run(b.close())


def test_unknown_queue(bullmq_backend: Any, redis_url: str) -> None:
    asyncio.run(producers.add_jobs(redis_url, "known", 1))
    with pytest.raises(QueueNotFound):
        run(bullmq_backend, bullmq_backend.get_queue("unknown"))
